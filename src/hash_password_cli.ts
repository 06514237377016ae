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
import { hashPassword } from "./admin/passwords.ts";
import type { Runtime } from "./runtime/types.ts";

/** Read one line from a TTY with echo off. */
function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    let value = "";
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString("utf8")) {
        if (char === "\r" || char === "\n") return done(undefined);
        if (char === "\u0003") return done(new Error("interrupted"));
        if (char === "\u007f" || char === "\b") value = value.slice(0, -1);
        else value += char;
      }
    };
    const done = (error: Error | undefined) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
      if (error) reject(error);
      else resolve(value);
    };
    stdin.on("data", onData);
  });
}

/** Read all of standard input and return its first line. */
async function readFirstLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0];
}

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
