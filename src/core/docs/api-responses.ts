import { ApiResponse } from '@nestjs/swagger';

/**
 * Responses that are not JSON, documented with their media type so the contract check (and a client) knows what
 * body comes back: an HTML page (the hosted pages), a streamed CSV file, or an SVG icon.
 */
export const ApiHtmlResponse = (status: number, description: string) =>
  ApiResponse({ status, description, content: { 'text/html': { schema: { type: 'string' } } } });

export const ApiCsvResponse = (description: string) =>
  ApiResponse({ status: 200, description, content: { 'text/csv': { schema: { type: 'string' } } } });

export const ApiSvgResponse = (description: string) =>
  ApiResponse({ status: 200, description, content: { 'image/svg+xml': { schema: { type: 'string' } } } });
