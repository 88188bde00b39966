// Problems are the API's errors: RFC 9457 documents (application/problem+json)
// whose errors[].location names the bad field ("body.email"). ApiError carries
// one to the screens, already split into what a form needs: a message per
// field and the messages that belong to no field.

/** One entry of a problem's errors list. */
export interface ProblemDetail {
  location?: string;
  message?: string;
  value?: unknown;
}

/** The fields of a problem document Pama sends. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: ProblemDetail[] | null;
  /** On 409 for a stale update: the version stored now. */
  version?: number;
  /** On 409 for a stale update: the entity as it is now. */
  current?: unknown;
}

/** What went wrong: the server never answered, or it answered with an error. */
export type ErrorKind = 'network' | 'aborted' | 'http';

/** An API call that did not succeed. */
export class ApiError extends Error {
  /** The HTTP status; 0 when no answer came. */
  readonly status: number;
  readonly kind: ErrorKind;
  readonly problem: Problem;
  /** Messages for body fields, keyed by field ("email", "items[3].name"). */
  readonly fields: Readonly<Record<string, string>>;
  /** Messages that name no body field. */
  readonly general: readonly string[];
  /** Seconds to wait before trying again, from Retry-After. */
  readonly retryAfter: number | undefined;

  constructor(status: number, kind: ErrorKind, problem: Problem, retryAfter?: number) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.kind = kind;
    this.problem = problem;
    this.retryAfter = retryAfter;
    const { fields, general } = splitErrors(problem.errors ?? []);
    this.fields = fields;
    this.general = general;
  }

  /** True when the error names at least one field. */
  get hasFieldErrors(): boolean {
    return Object.keys(this.fields).length > 0;
  }
}

const requiredRE = /^expected required property (\S+) to be present$/;

/**
 * splitErrors turns a problem's errors list into a message per body field and
 * a list of the rest. Several messages for one field are joined. A missing
 * required property, which the API reports on "body", goes to that property.
 */
export function splitErrors(errors: readonly ProblemDetail[]): {
  fields: Record<string, string>;
  general: string[];
} {
  const fields: Record<string, string> = {};
  const general: string[] = [];
  for (const e of errors) {
    const message = (e.message ?? '').trim();
    if (!message) continue;
    const loc = e.location ?? '';
    let field = '';
    if (loc.startsWith('body.')) {
      field = loc.slice(5);
    } else if (loc === 'body') {
      field = requiredRE.exec(message)?.[1] ?? '';
    }
    if (!field) {
      general.push(message);
      continue;
    }
    const text = capitalize(message);
    fields[field] = fields[field] ? `${fields[field]}; ${message}` : text;
  }
  return { fields, general };
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** parseRetryAfter reads a Retry-After header: seconds, or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * problemFromResponse builds the ApiError for a response that was not a
 * success. Bodies that are not problem JSON still give a usable error.
 */
export async function problemFromResponse(res: Response): Promise<ApiError> {
  let problem: Problem = { status: res.status, title: res.statusText };
  const type = res.headers.get('Content-Type') ?? '';
  if (type.includes('json')) {
    try {
      const body: unknown = await res.json();
      if (body && typeof body === 'object') problem = { ...problem, ...(body as Problem) };
    } catch {
      // A broken body still leaves the status to go on.
    }
  }
  return new ApiError(res.status, 'http', problem, parseRetryAfter(res.headers.get('Retry-After')));
}
