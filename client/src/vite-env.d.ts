// Side-effect imports of stylesheets are Vite's business.
declare module '*.css';
