/**
 * A tiny, safe XML element tree for config files.
 *
 * This is the only module that touches `@rgrove/parse-xml`: the rest of the
 * config code sees plain elements with a name, attributes, child elements,
 * their direct text and a 1-based line/column, so the parser could be swapped
 * without touching validation.
 *
 * Safety: a config never needs a DTD, and DTDs are where XML turns dangerous
 * (external entities, "billion laughs" expansion). parse-xml never expands
 * them, but we go further and refuse any document that contains `<!DOCTYPE`
 * or `<!ENTITY` before the parser sees it, so the question never arises.
 *
 * @module
 */
import { parseXml, XmlElement as LibElement, XmlError, XmlNode, XmlText } from "@rgrove/parse-xml";

/** A 1-based position in the source text (columns count characters). */
export interface Position {
  line: number;
  column: number;
}

/** One element of the tree; comments and processing instructions are dropped. */
export interface XmlElement extends Position {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** Child elements, in document order. */
  readonly children: readonly XmlElement[];
  /** Direct character data (text and CDATA) concatenated, comments excluded. */
  readonly text: string;
  /** Where the first non-whitespace direct text starts, if there is any. */
  readonly textAt?: Position;
}

/** A document that is not well-formed XML, or is refused for safety. */
export class XmlSyntaxError extends Error {
  constructor(message: string, readonly line: number, readonly column: number) {
    super(message);
    this.name = "XmlSyntaxError";
  }
}

/** XML's own whitespace (section 2.3), which is all a config may hold between elements. */
const XML_SPACE = /^[ \t\r\n]*$/;

/** Parse `source` and return its root element; throws `XmlSyntaxError`. */
export function parseXmlTree(source: string): XmlElement {
  const forbidden = /<!(DOCTYPE|ENTITY)/i.exec(source);
  if (forbidden) {
    const { line, column } = positionAt(source, forbidden.index);
    throw new XmlSyntaxError(
      `Cannot accept <!${forbidden[1].toUpperCase()}: DTDs and entity declarations are ` +
        "not allowed in a config (no entity is ever expanded); remove the declaration",
      line,
      column,
    );
  }
  let root: LibElement | null;
  try {
    root = parseXml(source, { includeOffsets: true }).root;
  } catch (error) {
    if (error instanceof RangeError) throw tooDeep();
    if (!(error instanceof XmlError)) throw error;
    // The library's message ends with its own "(line, column)" and an excerpt;
    // keep only the sentence, our caller prefixes FILE:LINE:COL. The library
    // gives the sentence nowhere else. parses-message: a library's syntax error
    const reason = error.message.replace(/ \(line \d+, column \d+\)\n[\s\S]*$/, "");
    const { line, column } = positionAt(source, codePointToIndex(source, error.pos));
    throw new XmlSyntaxError(`Cannot parse XML: ${reason}`, line, column);
  }
  if (!root) throw new XmlSyntaxError("Cannot parse XML: the document has no root element", 1, 1);
  const at = lineIndex(source);
  try {
    return convert(root, source, at, 0);
  } catch (error) {
    if (error instanceof RangeError) throw tooDeep();
    throw error;
  }
}

/** A config is 4 levels deep; anything far deeper is not a config (and would overflow the stack). */
const MAX_DEPTH = 64;
/** Longer attribute values are refused, so no name or message can grow unbounded. */
export const MAX_ATTRIBUTE_LENGTH = 4096;

function tooDeep(): XmlSyntaxError {
  return new XmlSyntaxError(
    `Cannot parse XML: elements are nested more than ${MAX_DEPTH} levels deep`,
    1,
    1,
  );
}

function convert(
  element: LibElement,
  source: string,
  at: (offset: number) => Position,
  depth: number,
): XmlElement {
  if (depth > MAX_DEPTH) {
    const { line, column } = at(element.start);
    throw new XmlSyntaxError(
      `Cannot parse XML: <${
        element.name.slice(0, 40)
      }> is nested more than ${MAX_DEPTH} levels deep`,
      line,
      column,
    );
  }
  const attributes = element.attributes;
  for (const name in attributes) {
    const value = attributes[name];
    if (value.length > MAX_ATTRIBUTE_LENGTH || name.length > MAX_ATTRIBUTE_LENGTH) {
      const { line, column } = at(element.start);
      throw new XmlSyntaxError(
        `<${element.name.slice(0, 40)}>: attribute "${name.slice(0, 40)}" is ` +
          `${Math.max(value.length, name.length)} characters long; at most ` +
          `${MAX_ATTRIBUTE_LENGTH} are allowed`,
        line,
        column,
      );
    }
  }
  const children: XmlElement[] = [];
  let text = "";
  let textAt: Position | undefined;
  for (const node of element.children) {
    if (node instanceof LibElement) {
      children.push(convert(node, source, at, depth + 1));
    } else if (node instanceof XmlText) { // CDATA sections are XmlText too
      text += node.text;
      if (!textAt && !XML_SPACE.test(node.text)) textAt = firstNonSpace(source, node, at);
    }
  }
  const { line, column } = at(element.start);
  // The library's attributes have no prototype already: a lookup such as
  // attributes["constructor"] finds nothing (a test holds it to that).
  const converted: XmlElement = { name: element.name, attributes, children, text, line, column };
  return textAt ? { ...converted, textAt } : converted;
}

/** Position of the first non-whitespace source character of a text node. */
function firstNonSpace(source: string, node: XmlNode, at: (offset: number) => Position): Position {
  let offset = node.start;
  while (offset < node.end && " \t\r\n".includes(source[offset])) offset++;
  return at(offset);
}

/**
 * {@linkcode positionAt} for many offsets of one document: line starts are
 * found once, each lookup is a binary search plus the code points of one line.
 */
function lineIndex(source: string): (offset: number) => Position {
  const skip = source.startsWith("\uFEFF") ? 1 : 0;
  const starts = [skip];
  for (const m of source.matchAll(/\r\n|\r|\n/g)) starts.push(m.index! + m[0].length);
  return (offset: number) => {
    offset = Math.max(skip, offset);
    let lo = 0, hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    let column = 1;
    for (let i = starts[lo]; i < offset; i++) {
      const code = source.charCodeAt(i);
      if (code < 0xdc00 || code > 0xdfff) column++; // count code points, not UTF-16 units
    }
    return { line: lo + 1, column };
  };
}

/**
 * The 1-based line and column of a UTF-16 `offset` in `source`. CR LF, CR and
 * LF each end a line; columns count code points, and a leading byte order mark
 * is not a column.
 */
export function positionAt(source: string, offset: number): Position {
  const before = source.slice(source.startsWith("\uFEFF") ? 1 : 0, Math.max(0, offset));
  const lines = before.split(/\r\n|\r|\n/);
  return { line: lines.length, column: [...lines[lines.length - 1]].length + 1 };
}

/** parse-xml reports errors in code points; convert to a UTF-16 offset. */
function codePointToIndex(source: string, codePoints: number): number {
  let index = 0;
  for (let i = 0; i < codePoints && index < source.length; i++) {
    index += (source.codePointAt(index) ?? 0) > 0xffff ? 2 : 1;
  }
  return index;
}

/**
 * Escape text for a double-quoted attribute value. Tab, CR and LF become
 * character references too, because a parser normalizes literal ones to spaces.
 */
export function escapeXmlAttr(value: string): string {
  // deno-lint-ignore no-control-regex -- control characters are exactly what we escape
  return value.replace(/[&<>"\x00-\x1f\x7f]/g, (char) => {
    switch (char) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case '"':
        return "&quot;";
      default:
        return `&#x${char.charCodeAt(0).toString(16).toUpperCase()};`;
    }
  });
}
