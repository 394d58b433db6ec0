import sanitizeHtml from 'sanitize-html'

const SAFE_HREF = /^(https?:\/\/|mailto:)/i
/** Remote images over https, or files served by our own api to the mini-program. */
const SAFE_SRC = /^(https:\/\/[^\s]+|\/mp\/v1\/files\/[0-9a-f]{24}(\/[\w.-]*)?(\?[\w=&.-]*)?)$/i
const ALIGN = [/^(left|right|center|justify)$/]
const COLOR = [
  /^#[0-9a-f]{3,8}$/i,
  /^rgba?\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*(,\s*(0|1|0?\.\d+)\s*)?\)$/i,
  /^[a-z]{3,20}$/i,
]
const ALIGNABLE = ['p', 'h2', 'h3', 'h4', 'li', 'td', 'th']

/**
 * The rich-text allowlist. Everything else is dropped: scripts and styles with their content, event
 * handlers, unknown attributes and any URL that is not http(s)/mailto (links) or https / our file route
 * (images). Links always open outside the page and carry no referrer or opener. <b> and <i> (pasted
 * from Word and web pages) become <strong> and <em>.
 */
const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'strong',
    'em',
    'u',
    's',
    'h2',
    'h3',
    'h4',
    'ul',
    'ol',
    'li',
    'blockquote',
    'a',
    'img',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
    'span',
  ],
  allowedAttributes: {
    a: ['href', 'rel', 'target'],
    img: ['src', 'alt'],
    span: ['style'],
    td: ['style', 'colspan', 'rowspan'],
    th: ['style', 'colspan', 'rowspan'],
    ...Object.fromEntries(ALIGNABLE.filter((t) => t !== 'td' && t !== 'th').map((t) => [t, ['style']])),
  },
  allowedStyles: {
    span: { color: COLOR, 'text-align': ALIGN },
    ...Object.fromEntries(ALIGNABLE.map((t) => [t, { 'text-align': ALIGN }])),
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['https'] },
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  transformTags: {
    b: 'strong',
    i: 'em',
    a: (tagName, attribs): sanitizeHtml.Tag => {
      const href = attribs.href?.trim()
      return {
        tagName,
        attribs: href && SAFE_HREF.test(href) ? { href, rel: 'noopener noreferrer', target: '_blank' } : {},
      }
    },
    img: (tagName, attribs): sanitizeHtml.Tag => {
      const src = attribs.src?.trim()
      return {
        tagName,
        attribs: src && SAFE_SRC.test(src) ? { src, ...(attribs.alt ? { alt: attribs.alt } : {}) } : {},
      }
    },
  },
  // An image whose source was refused is dropped rather than left as an empty <img>.
  exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
}

export function sanitizeBody(html: string): string {
  return sanitizeHtml(html, OPTIONS).trim()
}

const ENTITIES: Record<string, string> = {
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
  '&nbsp;': ' ',
  '&amp;': '&',
}

/** The text a reader sees, block elements on their own lines: what the content check reads. */
export function plainText(html: string): string {
  const spaced = html.replace(/<br\s*\/?>|<\/(p|h[2-4]|li|blockquote|tr|td|th)>/gi, '$&\n')
  return sanitizeHtml(spaced, { allowedTags: [], allowedAttributes: {} })
    .replace(/&(lt|gt|quot|#39|nbsp|amp);/g, (e) => ENTITIES[e] ?? e)
    .replace(/[ \t]+/g, ' ')
    .replace(/\s*\n\s*/g, '\n')
    .trim()
}

/** Splits text into pieces of at most `size` characters (code points), preferring line breaks. */
export function chunkText(text: string, size: number): string[] {
  const chars = [...text]
  const out: string[] = []
  let start = 0
  while (start < chars.length) {
    let end = Math.min(start + size, chars.length)
    if (end < chars.length) {
      const nl = chars.lastIndexOf('\n', end - 1)
      if (nl > start + size / 2) end = nl + 1
    }
    out.push(chars.slice(start, end).join(''))
    start = end
  }
  return out
}
