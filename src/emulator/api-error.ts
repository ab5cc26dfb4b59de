/** Discord-shaped API errors: `{message, code}` plus `errors` for Invalid Form Body (50035). */

/** One leaf of Discord's `errors` tree. */
export interface FormErrorLeaf {
  code: string;
  message: string;
}

/** A nested `errors` tree: keys are field names or array indexes, leaves hold `_errors`. */
export interface FormErrorTree {
  [key: string]: FormErrorTree | FormErrorLeaf[];
}

/** An error answer the router turns into an HTTP response with a Discord body. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: number;
  readonly errors: FormErrorTree | undefined;
  constructor(status: number, code: number, message: string, errors?: FormErrorTree) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.errors = errors;
  }

  /** The JSON body Discord sends for this error. */
  body(): Record<string, unknown> {
    return this.errors
      ? { code: this.code, errors: this.errors, message: this.message }
      : { message: this.message, code: this.code };
  }
}

/** Collects field problems, then throws one 50035 with the combined tree. */
export class FormErrors {
  readonly tree: FormErrorTree = {};
  #count = 0;

  /** Record a problem at `path` (e.g. `['embeds', '0', 'title']`). */
  add(path: readonly string[], code: string, message: string): this {
    let node: FormErrorTree = this.tree;
    for (const key of path) {
      const next = node[key];
      if (next && !Array.isArray(next)) node = next;
      else {
        const fresh: FormErrorTree = {};
        node[key] = fresh;
        node = fresh;
      }
    }
    const leaves = (node._errors as FormErrorLeaf[] | undefined) ?? [];
    leaves.push({ code, message });
    node._errors = leaves;
    this.#count += 1;
    return this;
  }

  /** Throw the 50035 error if anything was recorded. */
  throwIfAny(): void {
    if (this.#count > 0) throw invalidForm(this.tree);
  }
}

/** 400/50035 Invalid Form Body with an `errors` tree. */
export function invalidForm(errors: FormErrorTree): ApiError {
  return new ApiError(400, 50035, 'Invalid Form Body', errors);
}

/** A single-field 50035. */
export function fieldError(path: readonly string[], code: string, message: string): ApiError {
  return invalidForm(new FormErrors().add(path, code, message).tree);
}

/** The errors the routes raise, with Discord's statuses, codes and messages. */
export const Errors = {
  unauthorized: () => new ApiError(401, 0, '401: Unauthorized'),
  notFound: () => new ApiError(404, 0, '404: Not Found'),
  methodNotAllowed: () => new ApiError(405, 0, '405: Method Not Allowed'),
  unknownChannel: () => new ApiError(404, 10003, 'Unknown Channel'),
  unknownGuild: () => new ApiError(404, 10004, 'Unknown Guild'),
  unknownMember: () => new ApiError(404, 10007, 'Unknown Member'),
  unknownMessage: () => new ApiError(404, 10008, 'Unknown Message'),
  unknownUser: () => new ApiError(404, 10013, 'Unknown User'),
  unknownEmoji: () => new ApiError(400, 10014, 'Unknown Emoji'),
  maxReactions: () => new ApiError(400, 30010, 'Maximum number of reactions reached (20)'),
  maxAttachments: () => new ApiError(400, 30015, 'Maximum number of attachments in a message reached (10)'),
  entityTooLarge: () => new ApiError(413, 40005, 'Request entity too large'),
  missingAccess: () => new ApiError(403, 50001, 'Missing Access'),
  cannotEditOthers: () => new ApiError(403, 50005, 'Cannot edit a message authored by another user'),
  emptyMessage: () => new ApiError(400, 50006, 'Cannot send an empty message'),
  missingPermissions: () => new ApiError(403, 50013, 'Missing Permissions'),
  wrongChannelType: () => new ApiError(400, 50024, 'Cannot execute action on this channel type'),
  bulkDeleteTooOld: () =>
    new ApiError(400, 50034, 'You can only bulk delete messages that are under 14 days old.'),
  archivedThread: () => new ApiError(400, 50083, 'Thread is archived'),
  invalidJson: () => new ApiError(400, 50109, 'The request body contains invalid JSON.'),
  threadAlreadyCreated: () => new ApiError(400, 160004, 'A thread has already been created for this message'),
  threadLocked: () => new ApiError(400, 160005, 'Thread is locked'),
  maxActiveThreads: () => new ApiError(400, 160006, 'Maximum number of active threads reached'),
} as const;
