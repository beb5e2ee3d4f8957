import type { components } from './schema';

export type ErrorCode = components['schemas']['Error']['error']['code'];

/** The API's error, unchanged: its code, message and details (field errors), plus the HTTP status. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | string;
  readonly details: Record<string, unknown>;
  readonly requestId: string | undefined;

  constructor(status: number, code: string, message: string, details: Record<string, unknown>, requestId?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.requestId = requestId;
  }
}

/** Builds an ApiError from a response body the API sent ({"error": {...}}) or, failing that, from the status alone. */
export function toApiError(status: number, body: unknown): ApiError {
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const e = (body as { error: unknown }).error;
    if (typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string') {
      const { code, message, details, requestId } = e as {
        code: string; message?: unknown; details?: unknown; requestId?: unknown;
      };
      return new ApiError(status, code, typeof message === 'string' ? message : code,
        typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : {},
        typeof requestId === 'string' ? requestId : undefined);
    }
  }
  return new ApiError(status, status >= 500 ? 'internal' : 'http_' + status, `HTTP ${status}`, {});
}

/** The field errors of a validation_failed answer (details.fields: [{field, message}]), by field name. */
export function fieldErrors(err: unknown): Record<string, string> {
  if (!(err instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  const fields = err.details['fields'];
  if (Array.isArray(fields)) {
    for (const f of fields) {
      if (typeof f === 'object' && f !== null && typeof f.field === 'string') out[f.field] = String(f.message ?? '');
    }
  }
  return out;
}
