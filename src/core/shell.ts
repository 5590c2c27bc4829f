// Quoting for the POSIX shell on the VM, and splitting of ssh command settings.
// Every command sent to the VM is a fixed script plus arguments quoted here, so
// nothing a user types is ever interpreted by a shell.

/** Quote one word for a POSIX shell: 'it'\''s' style, safe for any bytes but NUL. */
export function shq(word: string): string {
  if (word.includes('\0')) throw new Error('cannot quote a NUL byte for the shell');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

export function shqAll(words: readonly string[]): string {
  return words.map(shq).join(' ');
}

/**
 * Split a command setting such as `ssh -F "/my dir/cfg" -o 'X=y'` into words,
 * the way a shell would split it, but without expanding anything ($, `, ~, *).
 * Returns undefined when a quote is not closed.
 */
export function splitWords(input: string): string[] | undefined {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < input.length) {
    const c = input.charAt(i);
    if (c === "'") {
      const end = input.indexOf("'", i + 1);
      if (end < 0) return undefined;
      word += input.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= input.length) return undefined;
        const d = input.charAt(i);
        if (d === '"') break;
        if (d === '\\' && i + 1 < input.length && '"\\$`\n'.includes(input.charAt(i + 1))) {
          word += input.charAt(i + 1);
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
      inWord = true;
      i++;
    } else if (c === '\\') {
      if (i + 1 < input.length) word += input.charAt(i + 1);
      inWord = true;
      i += 2;
    } else if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}
