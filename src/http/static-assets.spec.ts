import fs, { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { staticAssets } from './static-assets';

describe('staticAssets', () => {
  let dir: string;
  let app: express.Express;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'static-assets-'));
    mkdirSync(join(dir, 'assets'));
    mkdirSync(join(dir, 'admin'));
    writeFileSync(join(dir, 'index.html'), '<p>kiosk</p>');
    writeFileSync(join(dir, 'assets', 'kiosk-1a2b.js'), 'console.log(1);');
    writeFileSync(join(dir, 'admin', 'kiosks.html'), '<p>fleet</p>');
    app = express();
    app.use(staticAssets(dir));
    app.all('/{*rest}', (req, res) => res.status(404).json({ route: req.path }));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => vi.restoreAllMocks());

  it('serves every file the build made, and / as its index.html', async () => {
    const index = await request(app).get('/');
    expect(index.status).toBe(200);
    expect(index.text).toBe('<p>kiosk</p>');
    const script = await request(app).get('/assets/kiosk-1a2b.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
    expect(script.headers['cache-control']).toBe('public, max-age=0');
    expect((await request(app).get('/admin/kiosks.html')).text).toBe('<p>fleet</p>');
    expect((await request(app).head('/index.html')).status).toBe(200);
  });

  it('hands every other request to the routes without looking on disk', async () => {
    const stat = vi.spyOn(fs, 'stat');
    for (const path of ['/api/sessions/AAAAAAAAAAAAAAAAAAAAAA', '/healthz', '/assets/missing.js', '/assets']) {
      const res = await request(app).get(path);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ route: expect.any(String) });
    }
    // Only GET and HEAD read files; a POST to a file's path is the routes' business.
    expect((await request(app).post('/index.html')).body).toEqual({ route: '/index.html' });
    expect(stat).not.toHaveBeenCalled();
    // The spy does see the look-ups of a file that is served.
    await request(app).get('/assets/kiosk-1a2b.js');
    expect(stat).toHaveBeenCalled();
  });

  it('serves no file outside its directory', async () => {
    const outside = `${basename(dir)}-secret.txt`;
    writeFileSync(join(dir, '..', outside), 'outside-content');
    try {
      for (const path of [`/../${outside}`, `/%2e%2e/${outside}`, `/assets/..%2f..%2f${outside}`]) {
        const res = await request(app).get(path);
        expect(res.status).toBe(404);
        expect(res.text).not.toContain('outside-content');
      }
    } finally {
      rmSync(join(dir, '..', outside), { force: true });
    }
  });
});
