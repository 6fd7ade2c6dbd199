/** The photos in what an operator drops or chooses: whole folders (with their subfolders) or single files. */

/** Only JPEGs: the API refuses anything else, and a drone's card also holds videos, logs and thumbnails. */
function isPhoto(name: string): boolean {
  return /\.jpe?g$/i.test(name) && !name.startsWith('.');
}

/** As a file manager lists them (DJI_0002 before DJI_0010), whatever order the browser gave. */
function inOrder(photos: File[]): File[] {
  const key = (f: File) => f.webkitRelativePath || f.name;
  return photos.sort((a, b) => key(a).localeCompare(key(b), undefined, { numeric: true }));
}

/** What was picked, and the folder's name to suggest as the flight's. */
export interface Picked {
  photos: File[];
  folder: string | undefined;
}

/** Files chosen with <input type=file> (with or without webkitdirectory): already flattened by the browser. */
export function photosOfList(list: FileList | null): Picked {
  const files = [...(list ?? [])];
  // webkitRelativePath is "DCIM/100MEDIA/DJI_0001.JPG" for a folder chosen whole, empty otherwise.
  const folder = files.find((f) => f.webkitRelativePath)?.webkitRelativePath.split('/')[0];
  return { photos: inOrder(files.filter((f) => isPhoto(f.name))), folder: folder || undefined };
}

function readBatch(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function walk(entry: FileSystemEntry, into: File[]): Promise<void> {
  if (entry.isFile) {
    if (isPhoto(entry.name)) into.push(await fileOf(entry as FileSystemFileEntry));
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries answers in batches (Chromium: 100 at a time) until it answers an empty one.
    for (let batch = await readBatch(reader); batch.length > 0; batch = await readBatch(reader))
      for (const child of batch) await walk(child, into);
  }
}

/**
 * What was dropped. A dropped folder arrives as one item whose getAsFile() is useless, so items are
 * read as entries (webkitGetAsEntry, in every current browser) and folders walked; where an item has
 * no entry, its file is taken as it is. Entries must be taken before the first await: the browser
 * empties the DataTransfer once the drop event returns.
 */
export async function photosOfDrop(data: DataTransfer): Promise<Picked> {
  const items = [...data.items].filter((item) => item.kind === 'file');
  const entries = items.map((item) => item.webkitGetAsEntry());
  const files = items.map((item) => item.getAsFile());
  const photos: File[] = [];
  for (const [n, entry] of entries.entries()) {
    if (entry) await walk(entry, photos);
    else {
      const file = files[n];
      if (file && isPhoto(file.name)) photos.push(file);
    }
  }
  return { photos: inOrder(photos), folder: entries.find((e) => e?.isDirectory)?.name };
}
