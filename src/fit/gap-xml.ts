// What a GAP potential XML needs beside it: the files its `*filename*` attributes name (sparse points), relative to
// the XML's directory; and whether an XML on disk is complete (it and every file it names exist).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, isAbsolute } from 'node:path';
import { FitOutputError } from './errors.ts';

// The file names an XML text references through attributes whose name contains "filename" (e.g. sparseX_filename).
export function referencedFiles(xml: string, where: string): string[] {
  const out: string[] = [];
  for (const m of xml.matchAll(/\s([A-Za-z_][\w.-]*filename[\w.-]*)\s*=\s*"([^"]*)"/gi)) {
    const name = m[2]!;
    if (name === '') continue;
    if (isAbsolute(name) || name.split(/[\\/]/).includes('..')) {
      throw new FitOutputError(where, `attribute ${m[1]} names ${JSON.stringify(name)}, outside the potential's directory`);
    }
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

// Whether `xmlPath` exists, looks like a GAP XML and every file it references exists beside it.
export function gapXmlComplete(xmlPath: string): boolean {
  if (!existsSync(xmlPath)) return false;
  try {
    const text = readFileSync(xmlPath, 'utf8');
    if (!/<GAP_params\b/.test(text) && !/<Potential\b/.test(text)) return false;
    return referencedFiles(text, xmlPath).every((f) => existsSync(join(dirname(xmlPath), f)));
  } catch {
    return false;
  }
}

// Throw FitOutputError naming the first missing referenced file; returns the referenced files' local paths.
export function checkGapXml(xmlPath: string): string[] {
  if (!existsSync(xmlPath)) throw new FitOutputError(xmlPath, 'the fit wrote no potential file');
  const text = readFileSync(xmlPath, 'utf8');
  if (!/<GAP_params\b/.test(text) && !/<Potential\b/.test(text)) throw new FitOutputError(xmlPath, 'not a GAP potential (no <Potential> or <GAP_params> element)');
  const files = referencedFiles(text, xmlPath).map((f) => join(dirname(xmlPath), f));
  const missing = files.find((f) => !existsSync(f));
  if (missing) throw new FitOutputError(xmlPath, `references ${missing}, which did not come back`);
  return files;
}
