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
