export async function serveCommand(_a: string[]): Promise<number> { return 2; }
