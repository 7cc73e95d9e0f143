// Node module hooks that run this folder's TypeScript in a child process (Node 20 has no type
// stripping): `.js` specifiers resolve to the `.ts` file beside them, and `.ts` is transpiled
// with the project's own typescript (a devDependency), one file at a time. Output is cached in
// the temp dir by path, size and mtime, so only the first start pays for loading typescript.
import {createHash} from 'node:crypto';
import {existsSync} from 'node:fs';
import {mkdir, readFile, rename, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

const CACHE = join(tmpdir(), 'iftb-ts-hooks');
let typescript;

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (context.parentURL !== undefined && /^\.{1,2}\//.test(specifier) && specifier.endsWith('.js')) {
      const url = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
      if (existsSync(fileURLToPath(url))) return {url: url.href, shortCircuit: true};
    }
    throw error;
  }
}

export async function load(url, context, nextLoad) {
  if (!url.endsWith('.ts')) return nextLoad(url, context);
  const fileName = fileURLToPath(url);
  const info = await stat(fileName);
  const cached = join(CACHE, `${createHash('sha1').update(`${fileName}|${info.size}|${info.mtimeMs}`).digest('hex')}.js`);
  if (existsSync(cached)) return {format: 'module', source: await readFile(cached, 'utf8'), shortCircuit: true};
  typescript ??= (await import('typescript')).default;
  const output = typescript.transpileModule(await readFile(fileName, 'utf8'), {
    fileName,
    compilerOptions: {module: typescript.ModuleKind.ESNext, target: typescript.ScriptTarget.ES2022, sourceMap: false},
  });
  await mkdir(CACHE, {recursive: true});
  // write then rename, so a process starting at the same moment never reads half a file
  const partial = `${cached}.${process.pid}.tmp`;
  await writeFile(partial, output.outputText);
  await rename(partial, cached);
  return {format: 'module', source: output.outputText, shortCircuit: true};
}
