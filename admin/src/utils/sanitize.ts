/**
 * A browser-side mirror of the api's rich-text allowlist (`content.sanitize.ts`), for the editor's live
 * preview only: the server sanitises again on save, so this shows what will be stored, it does not guard
 * it. DOMParser documents run no scripts and load no images, so parsing untrusted HTML here is inert.
 */
const TAGS = new Set([
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
])
/** Dropped together with their content; any other unknown tag is unwrapped (its text kept). */
const DROP_WITH_CONTENT = new Set([
  'script',
  'style',
  'iframe',
  'object',
  'embed',
  'template',
  'noscript',
  'textarea',
])
const STYLED = new Set(['p', 'h2', 'h3', 'h4', 'li', 'td', 'th', 'span'])
const SAFE_HREF = /^(https?:\/\/|mailto:)/i
const SAFE_SRC = /^(https:\/\/\S+|\/mp\/v1\/files\/[0-9a-f]{24}(\/[\w.-]*)?(\?[\w=&.-]*)?)$/i
const ALIGN = /^(left|right|center|justify)$/
const COLOR = /^(#[0-9a-f]{3,8}|rgba?\([\d\s.,]+\)|[a-z]{3,20})$/i

function cleanAttributes(el: Element) {
  const tag = el.tagName.toLowerCase()
  const keep: Record<string, string> = {}
  if (tag === 'a') {
    const href = el.getAttribute('href')?.trim()
    if (href && SAFE_HREF.test(href))
      Object.assign(keep, { href, rel: 'noopener noreferrer', target: '_blank' })
  }
  if (tag === 'img') {
    const src = el.getAttribute('src')?.trim()
    if (src && SAFE_SRC.test(src)) keep.src = src
    if (el.getAttribute('alt')) keep.alt = el.getAttribute('alt')!
  }
  if (tag === 'td' || tag === 'th')
    for (const a of ['colspan', 'rowspan'])
      if (/^\d{1,2}$/.test(el.getAttribute(a) ?? '')) keep[a] = el.getAttribute(a)!
  if (STYLED.has(tag)) {
    const style = (el as HTMLElement).style
    const parts: string[] = []
    if (ALIGN.test(style.textAlign)) parts.push(`text-align: ${style.textAlign}`)
    if (tag === 'span' && COLOR.test(style.color)) parts.push(`color: ${style.color}`)
    if (parts.length) keep.style = parts.join('; ')
  }
  for (const a of [...el.attributes]) el.removeAttribute(a.name)
  for (const [k, v] of Object.entries(keep)) el.setAttribute(k, v)
}

function clean(node: Node) {
  for (const child of [...node.childNodes]) {
    if (child.nodeType === Node.TEXT_NODE) continue
    if (child.nodeType !== Node.ELEMENT_NODE) {
      child.remove()
      continue
    }
    const el = child as Element
    const tag = el.tagName.toLowerCase()
    if (DROP_WITH_CONTENT.has(tag)) {
      el.remove()
      continue
    }
    clean(el)
    if (!TAGS.has(tag)) {
      el.replaceWith(...el.childNodes)
      continue
    }
    cleanAttributes(el)
    if (tag === 'img' && !el.hasAttribute('src')) el.remove()
  }
}

export function sanitizeHtml(html: string): string {
  const doc = new DOMParser().parseFromString(html, 'text/html')
  clean(doc.body)
  return doc.body.innerHTML.trim()
}
