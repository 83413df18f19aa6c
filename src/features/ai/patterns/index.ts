// The AI / MCP pattern table (data + schema + compilation), the argv view it matches against, and the matcher.
export * from './table';
export * from './argv';
export * from './match';
export * from './configured';
