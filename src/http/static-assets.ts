import { readdirSync } from 'node:fs';
import { relative, sep } from 'node:path';
import express, { type RequestHandler } from 'express';

/**
 * The built pages and their assets (`express.static`), for exactly the files the build put in `dir`
 * and `/` (its `index.html`). Every other request goes straight on to the routes: mounted as it
 * is, in front of them, a plain `express.static` looked for a file on disk for every GET — an API
 * read, a QR code, a health probe — which cost a `stat` call and a "not found" error object each
 * (10–30 % of the CPU of a `GET /healthz`, measured). The build is fixed for the life of the
 * process, so the list of files is read once.
 */
export function staticAssets(dir: string): RequestHandler {
  const files = new Set(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => `/${relative(dir, `${entry.parentPath}${sep}${entry.name}`).split(sep).join('/')}`),
  );
  if (files.has('/index.html')) files.add('/');
  const serve = express.static(dir, { index: 'index.html', maxAge: 0 });
  return (req, res, next) => {
    if ((req.method === 'GET' || req.method === 'HEAD') && files.has(decodedPath(req.path))) void serve(req, res, next);
    else next();
  };
}

/** `req.path` as a file name; a malformed escape is left for the routes (and their 404) to answer. */
function decodedPath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
