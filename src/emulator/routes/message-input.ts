/** Validation of message create/edit payloads, with Discord's limits and 50035 error trees. */
import { Errors, FormErrors } from '../api-error.js';
import type { Payload, UploadedFile } from '../request-body.js';

/** Largest file Discord accepts without boosts: 10 MiB. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
/** Largest total upload per request: 25 MiB. */
export const MAX_REQUEST_FILE_BYTES = 25 * 1024 * 1024;
/** Most attachments on one message. */
export const MAX_ATTACHMENTS = 10;
/** Longest `content`. */
export const MAX_CONTENT = 2000;

/** A validated message payload. `undefined` fields were not sent. */
export interface MessageInput {
  content?: string;
  embeds?: unknown[];
  components?: unknown[];
  nonce?: string | number;
  enforceNonce: boolean;
  /** `undefined` when the key is absent (everything allowed). */
  allowedMentions?: unknown;
  /** `attachments` of the payload: metadata for new files, or the existing ones to keep on edit. */
  attachments?: { id: string; filename?: string; description?: string }[];
  files: UploadedFile[];
  reference?: { messageId: string; channelId?: string; failIfNotExists: boolean };
  flags?: number;
  tts: boolean;
}

function checkString(
  errors: FormErrors,
  path: string[],
  value: unknown,
  max: number,
  required = false,
): void {
  if (value === undefined || value === null) {
    if (required) errors.add(path, 'BASE_TYPE_REQUIRED', 'This field is required');
    return;
  }
  if (typeof value !== 'string') errors.add(path, 'BASE_TYPE_STRING', 'Must be a string.');
  else if (value.length > max) errors.add(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
}

function embedSize(embed: Record<string, unknown>): number {
  const len = (v: unknown) => (typeof v === 'string' ? v.length : 0);
  let total = len(embed.title) + len(embed.description);
  total += len((embed.footer as Record<string, unknown> | undefined)?.text);
  total += len((embed.author as Record<string, unknown> | undefined)?.name);
  if (Array.isArray(embed.fields))
    for (const f of embed.fields as Record<string, unknown>[]) total += len(f?.name) + len(f?.value);
  return total;
}

function checkEmbeds(errors: FormErrors, embeds: unknown): void {
  if (!Array.isArray(embeds)) {
    errors.add(['embeds'], 'BASE_TYPE_LIST', 'Must be an array.');
    return;
  }
  if (embeds.length > 10) errors.add(['embeds'], 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  let total = 0;
  embeds.forEach((raw, i) => {
    const at = ['embeds', String(i)];
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      errors.add(at, 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
      return;
    }
    const embed = raw as Record<string, unknown>;
    checkString(errors, [...at, 'title'], embed.title, 256);
    checkString(errors, [...at, 'description'], embed.description, 4096);
    checkString(
      errors,
      [...at, 'footer', 'text'],
      (embed.footer as Record<string, unknown> | undefined)?.text,
      2048,
    );
    checkString(
      errors,
      [...at, 'author', 'name'],
      (embed.author as Record<string, unknown> | undefined)?.name,
      256,
    );
    if (embed.fields !== undefined) {
      if (!Array.isArray(embed.fields)) errors.add([...at, 'fields'], 'BASE_TYPE_LIST', 'Must be an array.');
      else {
        if (embed.fields.length > 25)
          errors.add([...at, 'fields'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
        (embed.fields as Record<string, unknown>[]).forEach((f, j) => {
          checkString(errors, [...at, 'fields', String(j), 'name'], f?.name, 256, true);
          checkString(errors, [...at, 'fields', String(j), 'value'], f?.value, 1024, true);
        });
      }
    }
    total += embedSize(embed);
  });
  if (total > 6000)
    errors.add(['embeds'], 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
}

/** Validate a create (`edit: false`) or edit payload; throws 50035, 30015 or 413/40005. */
export function readMessageInput(payload: Payload, edit: boolean): MessageInput {
  const json = payload.json;
  const errors = new FormErrors();
  const input: MessageInput = { enforceNonce: false, files: payload.files, tts: json.tts === true };

  if (json.content !== undefined && json.content !== null) {
    checkString(errors, ['content'], json.content, MAX_CONTENT);
    if (typeof json.content === 'string') input.content = json.content;
  } else if (edit && json.content === null) input.content = '';

  if (json.embeds !== undefined && json.embeds !== null) {
    checkEmbeds(errors, json.embeds);
    if (Array.isArray(json.embeds)) input.embeds = json.embeds;
  } else if (edit && json.embeds === null) input.embeds = [];

  if (Array.isArray(json.components)) input.components = json.components;

  if (!edit && json.nonce !== undefined && json.nonce !== null) {
    const nonce = json.nonce;
    if (typeof nonce === 'string') {
      if (nonce.length > 25) errors.add(['nonce'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
      input.nonce = nonce;
    } else if (typeof nonce === 'number' && Number.isInteger(nonce)) input.nonce = nonce;
    else errors.add(['nonce'], 'NONCE_TYPE_INVALID', 'Must be a string or an integer.');
  }
  input.enforceNonce = json.enforce_nonce === true;

  if ('allowed_mentions' in json) input.allowedMentions = json.allowed_mentions;

  if (json.attachments !== undefined && json.attachments !== null) {
    if (!Array.isArray(json.attachments)) errors.add(['attachments'], 'BASE_TYPE_LIST', 'Must be an array.');
    else {
      input.attachments = (json.attachments as Record<string, unknown>[]).map((a) => {
        const out: { id: string; filename?: string; description?: string } = { id: String(a?.id) };
        if (typeof a?.filename === 'string') out.filename = a.filename;
        if (typeof a?.description === 'string') out.description = a.description;
        return out;
      });
    }
  }

  if (!edit && json.message_reference !== undefined && json.message_reference !== null) {
    const ref = json.message_reference as Record<string, unknown>;
    if (typeof ref !== 'object' || ref.message_id === undefined) {
      errors.add(['message_reference', 'message_id'], 'BASE_TYPE_REQUIRED', 'This field is required');
    } else {
      input.reference = {
        messageId: String(ref.message_id),
        failIfNotExists: ref.fail_if_not_exists !== false,
      };
      if (ref.channel_id !== undefined) input.reference.channelId = String(ref.channel_id);
    }
  }

  if (json.flags !== undefined && json.flags !== null) {
    if (typeof json.flags !== 'number' || !Number.isInteger(json.flags))
      errors.add(['flags'], 'NUMBER_TYPE_COERCE', `Value "${String(json.flags)}" is not int.`);
    // Only SUPPRESS_EMBEDS (1<<2) and SUPPRESS_NOTIFICATIONS (1<<12) may be set by a sender.
    else input.flags = json.flags & ((1 << 2) | (1 << 12));
  }

  errors.throwIfAny();
  if (payload.files.length > MAX_ATTACHMENTS) throw Errors.maxAttachments();
  if (payload.files.some((f) => f.data.length > MAX_FILE_BYTES)) throw Errors.entityTooLarge();
  if (payload.files.reduce((sum, f) => sum + f.data.length, 0) > MAX_REQUEST_FILE_BYTES)
    throw Errors.entityTooLarge();
  return input;
}
