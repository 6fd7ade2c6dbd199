import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UnprocessableError } from '../domain/errors.js';

export interface WrittenFile {
  /** Relative to the dataset directory, with forward slashes. */
  path: string;
  sha256: string;
  bytes: number;
}

/** A training set on disk: YOLO's `images/<split>/` and `labels/<split>/` under one directory. */
export interface DatasetWriter {
  readonly directory: string;
  write(relativePath: string, content: Buffer | string): Promise<WrittenFile>;
}

/**
 * Opens DIR for a new export, made if missing. One that already holds files is refused: mixing two
 * exports would leave files that no export.json describes, and no audit entry either.
 */
export async function openDataset(directory: string, splits: readonly string[]): Promise<DatasetWriter> {
  const root = path.resolve(directory);
  if (existsSync(root) && (await readdir(root)).length > 0)
    throw new UnprocessableError(`${root} is not empty: give a new or empty directory for the export`);
  for (const kind of ['images', 'labels'])
    for (const split of splits) await mkdir(path.join(root, kind, split), { recursive: true });
  return {
    directory: root,
    async write(relativePath, content) {
      const target = path.join(root, relativePath);
      if (!target.startsWith(root + path.sep)) throw new Error(`${relativePath} lies outside the dataset`);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, content);
      const buffer = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
      return {
        path: relativePath.split(path.sep).join('/'),
        sha256: createHash('sha256').update(buffer).digest('hex'),
        bytes: buffer.length,
      };
    },
  };
}
