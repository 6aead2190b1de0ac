// The little XML writing the autoconfiguration answers need: escaped text, one element a line.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** `<name>text</name>` with the text escaped. */
export function el(name: string, text: string | number): string {
  return `<${name}>${escapeXml(String(text))}</${name}>`;
}

/** Indents every line of `lines` by `depth` levels of two spaces. */
export function indent(lines: string[], depth = 1): string[] {
  const pad = '  '.repeat(depth);
  return lines.map((l) => pad + l);
}
