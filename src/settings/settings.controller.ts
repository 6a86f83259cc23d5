import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth, Roles } from '../core/http/auth.decorators';
import { ErrorResponseDto } from '../core/http/error-response.dto';
import { SettingsDto, UpdateSettingsDto } from './dto/settings.dto';
import { SettingsService } from './settings.service';

@ApiTags('settings')
@ApiKeyAuth()
@Roles('admin')
@Controller('api/v1/settings')
export class SettingsController {
  constructor(private readonly settings: SettingsService) {}

  @Get()
  @ApiOperation({ operationId: 'getSettings', summary: 'The organization settings: footer, disclaimer, notices, sending defaults, caps' })
  @ApiOkResponse({ type: SettingsDto })
  async get(): Promise<SettingsDto> {
    return SettingsService.toDto(await this.settings.get());
  }

  @Patch()
  @ApiOperation({ operationId: 'updateSettings', summary: 'Change some settings (only the fields given; null clears an optional one)' })
  @ApiOkResponse({ type: SettingsDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  async update(@Body() dto: UpdateSettingsDto): Promise<SettingsDto> {
    return SettingsService.toDto(await this.settings.update(dto));
  }
}
