// The README's GAP example, read out of README.md (parsed with the TypeScript parser, never run), fits with the
// stand-in gap_fit, which checks gap_fit's rules: README and test cannot drift apart.
import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { gapSimpleFit, gapFitArgs, type GapFitParams } from '../../../src/fit/index.ts';
import { BIN, fitProject } from '../../fixtures/fit/project.ts';

const README = new URL('../../../README.md', import.meta.url);

// A literal's value (object, array, string, number, boolean); anything else is not plain data and fails the test.
function literal(node: ts.Node): unknown {
  if (ts.isObjectLiteralExpression(node)) {
    return Object.fromEntries(node.properties.map((p) => {
      if (!ts.isPropertyAssignment(p) || !(ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) throw new Error(`not a plain property: ${p.getText()}`);
      return [p.name.text, literal(p.initializer)];
    }));
  }
  if (ts.isArrayLiteralExpression(node)) return node.elements.map(literal);
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isNumericLiteral(node)) return Number(node.text);
  if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(node.operand)) return -Number(node.operand.text);
  if (node.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (node.kind === ts.SyntaxKind.FalseKeyword) return false;
  throw new Error(`not a literal: ${node.getText()}`);
}

// The arguments of the first gapSimpleFit(...) call in the README's "Fitting potentials" code block.
function readmeGapExample(): { training: string; params: GapFitParams } {
  const text = readFileSync(README, 'utf8');
  const section = text.slice(text.indexOf('## Fitting potentials'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (code === undefined) throw new Error('README.md: no ts code block under "## Fitting potentials"');
  const source = ts.createSourceFile('readme-example.ts', code, ts.ScriptTarget.Latest, true);
  let call: ts.CallExpression | undefined;
  const visit = (n: ts.Node): void => {
    if (!call && ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'gapSimpleFit') call = n;
    else ts.forEachChild(n, visit);
  };
  visit(source);
  if (!call || call.arguments.length < 2) throw new Error('README.md: no gapSimpleFit(training, params) call in the fitting example');
  return { training: literal(call.arguments[0]!) as string, params: literal(call.arguments[1]!) as GapFitParams };
}

test('the README GAP example, pasted as is, fits with the stand-in gap_fit and lands where the README says', async (t) => {
  const { training, params } = readmeGapExample();
  t.is(training, 'train.xyz');
  t.true(Array.isArray(params._gap) && params._gap.some((d) => d.soap === true), 'the example has a soap descriptor, the case gap_fit is strict about');
  const p = fitProject({ WFL_GAP_FIT_COMMAND: join(BIN, 'gap_fit') });
  const xml = await gapSimpleFit(training, params, { context: p.context() });
  t.is(xml, join(p.dir, String(params.gap_file)));
  t.true(readdirSync(join(p.dir, 'pots')).some((f) => f.startsWith('Si.xml.sparseX.')), 'pots/Si.xml.sparseX.* beside it');
  const log = readFileSync(join(p.dir, 'pots/Si.xml.stdout'), 'utf8');
  t.regex(log, /fake gap_fit end/);
  t.is(/^command line: (.*)$/m.exec(log)?.[1], gapFitArgs({ ...params, at_file: 'fitting_configs.xyz', gap_file: 'Si.xml' }).join(' '));
});
