/** The request body: JSON, or multipart with `files[n]` and `payload_json`, parsed lazily and once. */
import { Errors, fieldError } from './api-error.js';

/** A file from a multipart body. */
export interface UploadedFile {
  /** The form field name, e.g. `files[0]`. */
  field: string;
  /** `n` of `files[n]`, matched against `attachments[].id` in the payload. */
  index: number;
  filename: string;
  contentType: string;
  data: Buffer;
}

/** The parsed request payload. */
export interface Payload {
  json: Record<string, unknown>;
  files: UploadedFile[];
}

const EXTENSION_TYPES: Record<string, string> = {
  txt: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  log: 'text/plain; charset=utf-8',
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  html: 'text/html; charset=utf-8',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
  zip: 'application/zip',
};

/** Discord's content type for an upload: the declared one, else a guess from the extension. */
export function guessContentType(filename: string, declared: string): string {
  if (declared && declared !== 'application/octet-stream') return declared;
  const ext = filename.includes('.') ? filename.slice(filename.lastIndexOf('.') + 1).toLowerCase() : '';
  return EXTENSION_TYPES[ext] ?? 'application/octet-stream';
}

/** A request body that parses itself on first use. */
export class RequestBody {
  readonly raw: Buffer;
  readonly contentType: string;
  #payload: Promise<Payload> | undefined;

  constructor(raw: Buffer, contentType: string) {
    this.raw = raw;
    this.contentType = contentType;
  }

  /** The JSON object (or `payload_json`) and the uploaded files. Non-object JSON is a 50035 at the root. */
  payload(): Promise<Payload> {
    this.#payload ??= this.#parse();
    return this.#payload;
  }

  /** Only the JSON part. */
  async json(): Promise<Record<string, unknown>> {
    return (await this.payload()).json;
  }

  async #parse(): Promise<Payload> {
    if (this.raw.length === 0) return { json: {}, files: [] };
    if (this.contentType.startsWith('multipart/form-data')) return this.#parseMultipart();
    return { json: parseObject(this.raw.toString('utf8')), files: [] };
  }

  async #parseMultipart(): Promise<Payload> {
    let form: FormData;
    try {
      form = await new Request('http://emulator.invalid/', {
        method: 'POST',
        headers: { 'content-type': this.contentType },
        body: this.raw,
      }).formData();
    } catch {
      throw fieldError([], 'BASE_TYPE_BAD_FORM', 'Invalid multipart body.');
    }
    let json: Record<string, unknown> = {};
    const loose: Record<string, unknown> = {};
    const files: UploadedFile[] = [];
    let position = 0;
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') json = parseObject(value);
        else loose[field] = value;
        continue;
      }
      const match = /^files\[(\d+)\]$/.exec(field);
      const file = value as File;
      files.push({
        field,
        index: match ? Number(match[1]) : position,
        filename: file.name || 'blob',
        contentType: guessContentType(file.name, file.type),
        data: Buffer.from(await file.arrayBuffer()),
      });
      position += 1;
    }
    return { json: { ...loose, ...json }, files };
  }
}

function parseObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw Errors.invalidJson();
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw fieldError([], 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
  }
  return value as Record<string, unknown>;
}
