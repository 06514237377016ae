/**
 * `save`: write the running config over the config file, atomically.
 *
 * The new content goes to a temporary file in the same directory, is
 * flushed to disk, and then renamed over the config file — a rename within
 * a directory is atomic, so a crash at any moment leaves either the old
 * file or the new one, never half of one. The previous file is kept as
 * `FILE.bak`, replaced the same way (a hard link, or a copy, renamed over
 * it), so a crash never leaves a half-written backup either.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  linkSync,
  openSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import type { DirectorConfig } from "../config/model.ts";
import { parseConfig } from "../config/parse.ts";
import { ChangeError } from "./errors.ts";
import { runningConfigXml } from "./running_config.ts";

/** Temp files a save killed between write and rename left behind. */
function removeStaleTemps(path: string): void {
  const dir = dirname(path), prefix = `${basename(path)}.tmp-`;
  try {
    for (const name of readdirSync(dir)) {
      if (name.startsWith(prefix)) unlinkSync(join(dir, name));
    }
  } catch {
    // Unreadable directory: the write below reports the real problem.
  }
}

/** The current `path` as `path.bak`, swapped in whole: never a half-copied backup. */
function keepBackup(path: string): void {
  if (!existsSync(path)) return;
  const temp = `${path}.tmp-bak-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  try {
    linkSync(path, temp); // no bytes copied: the old file's inode becomes the backup
  } catch {
    copyFileSync(path, temp); // a filesystem without hard links
  }
  renameSync(temp, `${path}.bak`);
}

/** Write `text` to `path` atomically, keeping the previous content as `path.bak`. */
export function writeFileAtomic(path: string, text: string): void {
  removeStaleTemps(path);
  const temp = `${path}.tmp-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const fd = openSync(temp, "wx", 0o600);
  try {
    const bytes = new TextEncoder().encode(text);
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw error;
  }
  closeSync(fd);
  keepBackup(path);
  renameSync(temp, path);
}

/** `save`: the running config over the file it came from (409 without one). */
export function saveRunningConfig(running: DirectorConfig, path: string | undefined): string {
  if (!path) {
    throw new ChangeError(409, "cannot save: Director was started without --config FILE");
  }
  const xml = runningConfigXml(running);
  // Never write a file Director would refuse to start from.
  try {
    parseConfig(xml, path);
  } catch (error) {
    throw new ChangeError(
      500,
      `cannot save: the running config does not validate: ${(error as Error).message}`,
    );
  }
  try {
    writeFileAtomic(path, xml);
  } catch (error) {
    throw new ChangeError(500, `cannot save to ${path}: ${(error as Error).message}`);
  }
  return `saved the running config to ${path} (previous version in ${path}.bak)`;
}
