export async function parseCommand(_a: string[]): Promise<number> { return 2; }
