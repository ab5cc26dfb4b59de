/** The exit codes of `dorch`, in one place for `cli/index.ts`, `--help` and the README. */

/** Exit codes. */
export const EXIT = {
  /** Success. */
  ok: 0,
  /**
   * It ran and failed: the task FAILED or was CANCELLED (`submit --wait`), nothing to cancel (`cancel`), `doctor`
   * found a problem, Discord refused or failed.
   */
  failed: 1,
  /** Bad input, nothing done: unknown command/option, bad argument, bad or missing config, an unrunnable task. */
  usage: 2,
  /** `submit --wait`: no result in time, or Ctrl-C left the task queued (it is still queued or running). */
  timeout: 3,
  /** A bug in dorch. */
  internal: 70,
} as const;

/** The `--help` footer. */
export const EXIT_CODES_HELP = `
Exit codes:
  0   success
  1   it ran and failed: the task FAILED or was CANCELLED (submit --wait), cancel found nothing to cancel (the task
      finished first, was refused, or does not exist), doctor found a problem, Discord refused or could not be
      reached, setup was cancelled
  2   bad input, nothing was done: unknown command or option, bad argument, bad or missing configuration, a task that
      cannot run as written (the message names the key or flag and the fix)
  3   submit --wait: no result in time, or Ctrl-C and "leave it queued" (the task is still queued or running)
  70  internal error: a bug in dorch, please file an issue

With --json (doctor, submit, cancel, status) the output, errors included, is one JSON object on stdout.`;
