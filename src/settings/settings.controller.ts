import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditService } from '../audit/audit.service';
import { ApiKeyAuth, CurrentCaller, Roles } from '../core/http/auth.decorators';
import type { Caller } from '../core/http/caller';
import { ErrorResponseDto } from '../core/http/error-response.dto';
import { SettingsDto, UpdateSettingsDto } from './dto/settings.dto';
import { SettingsService } from './settings.service';

@ApiTags('settings')
@ApiKeyAuth()
@Roles('admin')
@Controller('api/v1/settings')
export class SettingsController {
  constructor(
    private readonly settings: SettingsService,
    private readonly audit: AuditService,
  ) {}

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
  async update(@Body() dto: UpdateSettingsDto, @CurrentCaller() caller: Caller): Promise<SettingsDto> {
    const settings = await this.settings.update(dto);
    await this.audit.record(caller, 'settings.updated', { type: 'settings' }, { fields: AuditService.fieldsOf(dto) });
    return SettingsService.toDto(settings);
  }
}
