import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBadGatewayResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { BadGatewayException } from '@nestjs/common';
import { MaxLength } from 'class-validator';
import { IsEmailAddress } from './email-address';
import { ApiKeyAuth, Roles } from '../http/auth.decorators';
import { ErrorResponseDto } from '../http/error-response.dto';
import { MailService } from './mail.service';

export class TestEmailDto {
  @ApiProperty({ example: 'organizer@example.org' })
  @IsEmailAddress()
  @MaxLength(254)
  to: string;
}

export class TestEmailResultDto {
  @ApiProperty({ enum: ['smtp', 'outbox'] }) mode: string;
  @ApiProperty() messageId: string;
  @ApiProperty({ description: 'The SMTP server\'s answer, or "written to outbox"' }) response: string;
}

@ApiTags('admin')
@ApiKeyAuth()
@Roles('admin')
@Controller('api/v1/admin')
export class MailController {
  constructor(private readonly mail: MailService) {}

  @Post('test-email')
  @HttpCode(200)
  @ApiOperation({ operationId: 'sendTestEmail', summary: 'Send a test email now through the configured transport, to check the mail settings' })
  @ApiOkResponse({ type: TestEmailResultDto })
  @ApiBadGatewayResponse({ description: 'The SMTP server refused or could not be reached', type: ErrorResponseDto })
  async testEmail(@Body() dto: TestEmailDto): Promise<TestEmailResultDto> {
    try {
      const { mode, messageId, response } = await this.mail.sendTestEmail(dto.to);
      return { mode, messageId, response };
    } catch (e) {
      throw new BadGatewayException(`The mail server did not accept the message: ${(e as Error).message}`);
    }
  }
}
