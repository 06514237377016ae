/**
 * `director hash-password`: read a password and print a bcrypt hash to put
 * in `<user password="…">`.
 *
 * On a terminal it prompts twice without echo; otherwise it reads the first
 * line of standard input (`echo -n secret | director hash-password`). The
 * plaintext is never printed or logged.
 *
 * @module
 */
import process from "node:process";
import { hashPassword } from "../passwords/passwords.ts";
import { promptHidden, readFirstLine } from "./prompt.ts";
import type { Runtime } from "../runtime/types.ts";

export async function runHashPassword(runtime: Runtime): Promise<void> {
  let password: string;
  if (process.stdin.isTTY) {
    password = await promptHidden("Password: ");
    const again = await promptHidden("Again: ");
    if (again !== password) {
      console.error("Cannot hash the password: the two entries differ");
      runtime.exit(1);
    }
  } else {
    password = await readFirstLine();
  }
  if (password.length === 0) {
    console.error("Cannot hash the password: it is empty");
    runtime.exit(1);
  }
  try {
    console.log(await hashPassword(password));
  } catch (error) {
    // e.g. longer than bcrypt's 72 bytes: say so rather than truncate silently.
    console.error((error as Error).message);
    runtime.exit(1);
  }
}
