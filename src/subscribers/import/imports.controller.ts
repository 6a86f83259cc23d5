import { BadRequestException, Controller, Get, HttpCode, Param, Post, Query, Req, UnsupportedMediaTypeException } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import type { Caller } from '../../api-keys/api-keys.service';
import { AcceptsBody, ApiKeyAuth, CurrentCaller } from '../../core/http/auth.decorators';
import { assertSafeShape } from '../../core/http/request-shape';
import { ImportDto } from './dto/import.dto';
import { importView, ImportsService } from './imports.service';
import { uuidParam } from '../../core/http/uuid';

@ApiTags('imports')
@ApiKeyAuth()
@Controller('api/v1/imports')
export class ImportsController {
  constructor(private readonly imports: ImportsService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    operationId: 'createImport',
    summary: 'Upload a CSV of subscribers; it is imported in the background',
    description:
      'Send the file as `multipart/form-data` (one file part; options as query parameters or as text fields before ' +
      'the file) or as a raw `text/csv` body (options as query parameters). The header line is checked against the ' +
      'mapping at once (400 when a mapped column is missing). Existing subscribers keep their status; erased ' +
      'addresses are skipped. Poll `GET /api/v1/imports/{id}` for progress.',
  })
  @AcceptsBody('text/csv', 'application/csv', 'multipart/form-data')
  @ApiBody({ schema: { type: 'string', format: 'binary', description: 'The CSV file (UTF-8, header line first)' } })
  @ApiQuery({ name: 'consentBasis', required: true, type: String, description: 'How and when the people in this file agreed to receive email' })
  @ApiQuery({ name: 'tags', required: false, type: String, description: 'Tags added to every row, comma-separated' })
  @ApiQuery({ name: 'mapping', required: false, type: String, description: 'JSON: {"email":"E-mail","firstName":"First","customFields":{"employer":"Employer"}}' })
  @ApiAcceptedResponse({ type: ImportDto })
  async upload(@Req() req: FastifyRequest, @Query() query: Record<string, unknown>, @CurrentCaller() caller: Caller) {
    if (req.isMultipart()) {
      // A null-prototype record: field names come from the client.
      const fields: Record<string, unknown> = Object.assign(Object.create(null), query);
      for await (const part of req.parts()) {
        if (part.type === 'field') {
          assertSafeShape({ [part.fieldname]: part.value });
          fields[part.fieldname] = part.value;
          continue;
        }
        const options = this.imports.parseOptions(fields);
        return importView(await this.imports.upload(part.file, options, part.filename || null, caller));
      }
      throw new BadRequestException({ message: 'file: the multipart body has no file part', details: [{ path: 'file', message: 'missing' }] });
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'text/csv' && type !== 'application/csv') {
      throw new UnsupportedMediaTypeException('Send the CSV as multipart/form-data or as a text/csv body');
    }
    const options = this.imports.parseOptions(query);
    // An empty text/csv body never reaches the stream parser: then there is no stream at all.
    const body: AsyncIterable<Buffer> = (req.body as Readable | undefined) ?? (async function* () {})();
    return importView(await this.imports.upload(body, options, null, caller));
  }

  @Get()
  @ApiOperation({ operationId: 'listImports', summary: 'Recent imports, newest first' })
  @ApiOkResponse({ type: [ImportDto] })
  async list() {
    return (await this.imports.list()).map(importView);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getImport', summary: 'Progress and outcome of an import: rows read, created, updated, skipped by reason, errors by line' })
  @ApiOkResponse({ type: ImportDto })
  async get(@Param('id', uuidParam()) id: string) {
    return importView(await this.imports.getOrThrow(id));
  }
}
