/**
 * The API docs page (`/api/docs`): Swagger UI over `/api/openapi.json`, bundled by Vite (no CDN),
 * and the Socket.IO events of `/api/asyncapi.json` as a plain table below it.
 */
import SwaggerUI from 'swagger-ui-dist/swagger-ui-es-bundle.js';
import 'swagger-ui-dist/swagger-ui.css';
import './docs.css';
import { renderEvents } from './events';

SwaggerUI({
  url: '/api/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  // No third-party validator badge: the page talks to this service only.
  validatorUrl: 'none',
  defaultModelsExpandDepth: 0,
});

fetch('/api/asyncapi.json', { cache: 'no-store' })
  .then((res) => res.json() as Promise<unknown>)
  .then(renderEvents)
  .catch((err: unknown) => {
    document.getElementById('events')!.textContent = `The Socket.IO description could not be loaded (${String(err)}).`;
  });
