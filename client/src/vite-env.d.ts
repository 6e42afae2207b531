// Side-effect imports of stylesheets are Vite's business.
declare module '*.css';

/** Swagger UI's self-contained bundle (CommonJS, default export); only what the docs page uses. */
declare module 'swagger-ui-dist/swagger-ui-es-bundle.js' {
  const SwaggerUI: (options: {
    url: string;
    dom_id: string;
    deepLinking?: boolean;
    validatorUrl?: string | null;
    defaultModelsExpandDepth?: number;
  }) => unknown;
  export default SwaggerUI;
}
