/**
 * A refused change: `status` is the HTTP status the admin answers with,
 * `message` says why. 400: a missing or malformed parameter; 404: a name
 * that does not exist; 409: what the current state forbids; 500: the
 * change could not be completed; 503: a dependency (etcd) is unreachable.
 * A refused call has changed nothing.
 *
 * @module
 */
export type ChangeStatus = 400 | 404 | 409 | 500 | 503;

export class ChangeError extends Error {
  readonly status: ChangeStatus;

  constructor(status: ChangeStatus, message: string) {
    super(message);
    this.name = "ChangeError";
    this.status = status;
  }
}

/**
 * A cluster write lost against another node's (the shared configuration
 * moved on while the change was made): the change layer runs the call
 * once more on the state the winner left; if that loses too, this is the
 * 409 it answers.
 */
export class StaleChangeError extends ChangeError {
  constructor(message: string) {
    super(409, message);
    this.name = "StaleChangeError";
  }
}
