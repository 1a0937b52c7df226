// Imported by a pool worker thread to learn whether TypeScript files load in it (tsx hooks active there).
// Node 20's `--import tsx` registers tsx on the main thread only; pool.ts then registers it in the worker itself.
export const tsLoads: boolean = true;
