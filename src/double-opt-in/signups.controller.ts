import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth } from '../core/http/auth.decorators';
import { ErrorResponseDto } from '../core/http/error-response.dto';
import { DoubleOptInService } from './double-opt-in.service';
import { SignupDto, SignupResultDto } from './dto/signup.dto';

/** Signups from the organizer's own forms (COMP-4): obey the organization's double opt-in setting. */
@ApiTags('double opt-in')
@ApiKeyAuth()
@Controller('api/v1/signups')
export class SignupsController {
  constructor(private readonly doubleOptIn: DoubleOptInService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ operationId: 'createSignup', summary: 'Sign a person up: subscribed, or unconfirmed with a confirmation email under double opt-in' })
  @ApiOkResponse({ type: SignupResultDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  signup(@Body() dto: SignupDto): Promise<SignupResultDto> {
    return this.doubleOptIn.signup(dto);
  }
}
