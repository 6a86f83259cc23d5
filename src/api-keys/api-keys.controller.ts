import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth, Roles } from '../core/http/auth.decorators';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto';
import { uuidParam } from '../core/http/uuid';

@ApiTags('api-keys')
@ApiKeyAuth()
@Roles('admin')
@Controller('api/v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Get()
  @ApiOperation({ operationId: 'listApiKeys', summary: 'List API keys (never the keys themselves)' })
  @ApiOkResponse({ type: [ApiKeyDto] })
  list() {
    return this.apiKeys.list();
  }

  @Post()
  @ApiOperation({ operationId: 'createApiKey', summary: 'Create an API key; the key is shown once, in this response' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  async create(@Body() dto: CreateApiKeyDto) {
    const { key, apiKey } = await this.apiKeys.create(dto.name, dto.role);
    return { ...apiKey, key };
  }

  @Delete(':id')
  @ApiOperation({ operationId: 'revokeApiKey', summary: 'Revoke an API key (it stops working at once; revoking twice is a no-op)' })
  @ApiOkResponse({ type: ApiKeyDto })
  revoke(@Param('id', uuidParam()) id: string) {
    return this.apiKeys.revoke(id);
  }
}
