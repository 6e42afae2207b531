import type { Request, Response } from 'express';
import { queryString } from './request-input';

/**
 * `GET /avatar.svg?initials=JD`: the avatar URL in simulated profiles. Served
 * by the simulator itself so the kiosk can show a picture with no network
 * access beyond the demo.
 */
export function avatarRoute(req: Request, res: Response): void {
  const raw = queryString(req.query, 'initials') ?? '';
  const initials =
    raw
      .replace(/[^A-Za-z]/g, '')
      .slice(0, 2)
      .toUpperCase() || '?';
  const hue = [...initials].reduce((sum, ch) => sum + ch.charCodeAt(0) * 37, 0) % 360;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="160" viewBox="0 0 160 160">` +
    `<circle cx="80" cy="80" r="80" fill="hsl(${hue},55%,45%)"/>` +
    `<text x="80" y="80" dy=".35em" text-anchor="middle" fill="#fff" ` +
    `font-family="system-ui,sans-serif" font-size="64" font-weight="600">${initials}</text></svg>`;
  res.status(200).set('Cache-Control', 'public, max-age=86400').type('image/svg+xml').send(svg);
}
