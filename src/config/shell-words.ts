// Splits a command string such as `ssh -p 2222 -o "ProxyJump=gw"` into argv, without running a shell.
// Whitespace separates words; '...' is literal; "..." allows \" \\ \$ \` escapes; a backslash outside quotes escapes one char.

// Split `text` into words with simple shell-like quoting; throws Error naming the problem (e.g. an unclosed quote).
export function splitShellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      [word, inWord] = ['', false];
      i++;
    } else if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unclosed single quote at character ${i + 1}`);
      word += text.slice(i + 1, end);
      [inWord, i] = [true, end + 1];
    } else if (ch === '"') {
      let j = i + 1;
      for (;;) {
        const c = text[j];
        if (c === undefined) throw new Error(`unclosed double quote at character ${i + 1}`);
        if (c === '"') break;
        if (c === '\\' && j + 1 < text.length && '"\\$`'.includes(text[j + 1]!)) {
          word += text[j + 1];
          j += 2;
        } else {
          word += c;
          j++;
        }
      }
      [inWord, i] = [true, j + 1];
    } else if (ch === '\\') {
      if (i + 1 >= text.length) throw new Error('trailing backslash');
      word += text[i + 1];
      [inWord, i] = [true, i + 2];
    } else {
      word += ch;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}
