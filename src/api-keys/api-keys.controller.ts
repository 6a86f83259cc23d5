import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditService } from '../audit/audit.service';
import { ApiKeyAuth, CurrentCaller, Roles } from '../core/http/auth.decorators';
import type { Caller } from '../core/http/caller';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto';
import { uuidParam } from '../core/http/uuid';

@ApiTags('api-keys')
@ApiKeyAuth()
@Roles('admin')
@Controller('api/v1/api-keys')
export class ApiKeysController {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'listApiKeys', summary: 'List API keys (never the keys themselves)' })
  @ApiOkResponse({ type: [ApiKeyDto] })
  list() {
    return this.apiKeys.list();
  }

  @Post()
  @ApiOperation({ operationId: 'createApiKey', summary: 'Create an API key; the key is shown once, in this response' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  async create(@Body() dto: CreateApiKeyDto, @CurrentCaller() caller: Caller) {
    const { key, apiKey } = await this.apiKeys.create(dto.name, dto.role);
    await this.audit.record(caller, 'api_key.created', { type: 'api_key', id: apiKey.id }, { name: apiKey.name, role: apiKey.role });
    return { ...apiKey, key };
  }

  @Delete(':id')
  @ApiOperation({ operationId: 'revokeApiKey', summary: 'Revoke an API key (it stops working at once; revoking twice is a no-op)' })
  @ApiOkResponse({ type: ApiKeyDto })
  async revoke(@Param('id', uuidParam()) id: string, @CurrentCaller() caller: Caller) {
    const key = await this.apiKeys.revoke(id);
    await this.audit.record(caller, 'api_key.revoked', { type: 'api_key', id });
    return key;
  }
}
