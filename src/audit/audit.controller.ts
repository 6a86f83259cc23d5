import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth, Roles } from '../core/http/auth.decorators';
import { ErrorResponseDto } from '../core/http/error-response.dto';
import { AuditService } from './audit.service';
import { AuditPageDto, ListAuditQueryDto } from './dto/audit.dto';

@ApiTags('audit')
@ApiKeyAuth()
@Roles('admin')
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ operationId: 'listAuditEvents', summary: 'The audit log, newest first (cursor pages), filtered by action, subject or actor' })
  @ApiOkResponse({ type: AuditPageDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  list(@Query() q: ListAuditQueryDto): Promise<AuditPageDto> {
    const { cursor, limit, ...filter } = q;
    return this.audit.list(filter, cursor, limit ?? 50);
  }
}
