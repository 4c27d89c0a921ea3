// Texts that would run script, load something or break the layout if the chat rendered a
// message as markup or let it stretch the column: for e2e/chat_page_test.ts. Every payload
// that could run anything calls a hook the test watches (window.__xss.push, alert/confirm/
// prompt, document.title) or loads from XSS_PROBE_HOST, whose requests the test watches.
// Built from vectors × actions plus hand-written ones; all at most CHAT_MAX_LENGTH code
// points (and not blank after the edge's cleaning), except TOO_LONG_PAYLOADS.

/** Nothing may ever ask this host for anything. */
export const XSS_PROBE_HOST = 'xss-probe.invalid';

/** Script a payload runs if it runs: each one leaves a trace the test looks for. */
const ACTIONS = [
  (id: number) => `window.__xss.push(${id})`,
  (id: number) => `alert(${id})`,
  (id: number) => `document.title='xss${id}'`,
  (id: number) => `top.__xss.push('t${id}')`,
];

/** Ways to get `js` run (or `url` loaded) if a message became markup. */
const VECTORS: Array<(js: string, id: number) => string> = [
  // script elements
  (js) => `<script>${js}</script>`,
  (js) => `<ScRiPt>${js}</sCrIpT>`,
  (js) => `<script type="module">${js}</script>`,
  (js) => `"><script>${js}</script>`,
  (js) => `'></textarea></title></style><script>${js}</script>`,
  (js) => `<scr<script>ipt>${js}</scr</script>ipt>`,
  (js) => `<<script>${js}//<</script>`,
  (js, id) => `<script src="//${XSS_PROBE_HOST}/s${id}.js"></script>${js}`,
  // event handlers
  (js) => `<img src=x onerror="${js}">`,
  (js) => `<img src="x" onerror=${js}>`,
  (js) => `<IMG SRC=/ onerror="${js}"></img>`,
  (js) => `<img/src/onerror=${js}>`,
  (js) => `<svg onload="${js}">`,
  (js) => `<svg/onload=${js}>`,
  (js) => `<body onload="${js}">`,
  (js) => `<iframe onload="${js}"></iframe>`,
  (js) => `<input autofocus onfocus="${js}">`,
  (js) => `<select autofocus onfocus="${js}"></select>`,
  (js) => `<textarea autofocus onfocus="${js}"></textarea>`,
  (js) => `<details open ontoggle="${js}">`,
  (js) => `<video src=x onerror="${js}"></video>`,
  (js) => `<audio src=x onerror="${js}"></audio>`,
  (js) => `<video><source onerror="${js}"></video>`,
  (js) => `<marquee onstart="${js}">x</marquee>`,
  (js) => `<div onmouseover="${js}" style="position:fixed;inset:0">hover</div>`,
  (js) =>
    `<style>@keyframes x{}</style><div style="animation-name:x" onanimationstart="${js}"></div>`,
  (js) => `<div style="transition:all 1s" ontransitionend="${js}">x</div>`,
  (js) => `<object data=x onerror="${js}"></object>`,
  (js) => `<embed src=x onerror="${js}">`,
  (js) => `<form><button formaction="javascript:${js}">go</button></form>`,
  (js) => `<a href=# onclick="${js}" id=x>click</a>`,
  (js) => `<x contenteditable onfocus="${js}" autofocus>x</x>`,
  (js) => `<img src=x:x onerror=eval(atob('${btoa(js)}'))>`,
  (js) =>
    `<img src=x onerror=&#x${[...js].map((c) => c.charCodeAt(0).toString(16)).join(';&#x')};>`,
  // javascript: and data: URLs
  (js) => `javascript:${js}`,
  (js) => `JaVaScRiPt:${js}`,
  (js) => ` javascript:${js}//`,
  (js) => `<a href="javascript:${js}">link</a>`,
  (js) => `<a href="jav&#x09;ascript:${js}">tab</a>`,
  (js) => `<a href="&#106;avascript:${js}">entity</a>`,
  (js) => `<iframe src="javascript:${js}"></iframe>`,
  (js) => `<iframe srcdoc="<script>parent.${js.replace(/^top\./, '')}</script>"></iframe>`,
  (js) => `<iframe src="data:text/html,<script>parent.${js}</script>"></iframe>`,
  (js) => `<object data="javascript:${js}"></object>`,
  (js) => `<meta http-equiv="refresh" content="0;url=javascript:${js}">`,
  (js) => `<base href="javascript:${js}//">`,
  (js) => `[click](javascript:${js})`,
  (js) => `![x](x" onerror="${js})`,
  // SVG and MathML
  (js) => `<svg><script>${js}</script></svg>`,
  (js) => `<svg><animate onbegin="${js}" attributeName=x dur=1s>`,
  (js) => `<svg><set onbegin="${js}" attributeName=x to=1>`,
  (js) => `<svg><a xlink:href="javascript:${js}"><text y=20>x</text></a></svg>`,
  (js) => `<svg><foreignObject><img src=x onerror="${js}"></foreignObject></svg>`,
  (js) => `<svg><image href=x onerror="${js}"/></svg>`,
  (js) => `<math><mtext><table><mglyph><style><img src=x onerror="${js}">`,
  (js) => `<math href="javascript:${js}">click</math>`,
  (js) => `<math><maction actiontype="statusline" xlink:href="javascript:${js}">x</maction></math>`,
  (js) => `<svg><style><img src=x onerror="${js}"></style></svg>`,
  // template injection
  (js) => `{{constructor.constructor('${js.replace(/'/g, '\\x27')}')()}}`,
  (js) => `\${${js}}`,
  (js) => `<%= ${js} %>`,
  (js) => `#{${js}}`,
  (js) => `{{$on.constructor('${js.replace(/'/g, '\\x27')}')()}}`,
  (js) => `<div v-html="'<img src=x onerror=${js}>'"></div>`,
  (js) => `[[${js}]]`,
  (js) => `{{{${js}}}}`,
  // CSS
  (js) => `<div style="background:url(javascript:${js})">x</div>`,
  (js) => `<div style="width:expression(${js})">x</div>`,
  (js) => `<style>*{x:expression(${js})}</style>`,
  (js, id) => `<style>@import '//${XSS_PROBE_HOST}/c${id}.css';</style>${js}`,
  (js, id) => `<link rel=stylesheet href="//${XSS_PROBE_HOST}/l${id}.css">${js}`,
  (js) => `<div style="-moz-binding:url(javascript:${js})">x</div>`,
  (js) => `<div style="behavior:url(javascript:${js})">x</div>`,
  // markup that changes how the rest is parsed
  (js) => `<noscript><p title="</noscript><img src=x onerror=${js}>">`,
  (js) => `<xmp><script>${js}</script></xmp>`,
  (js) => `<template><script>${js}</script></template>`,
  (js) => `<!--<img src="--><img src=x onerror=${js}//">`,
  (js) => `<![CDATA[<script>${js}</script>]]>`,
  (js) => `<?xml version="1.0"?><script>${js}</script>`,
  (js) => `<plaintext><script>${js}</script>`,
  (js) => `</li></ol><script>${js}</script><ol><li>`,
];

const STANDALONE: string[] = [
  // polyglots
  "jaVasCript:/*-/*`/*\\`/*'/*\"/**/(/* */oNcliCk=window.__xss.push('p1') )//%0D%0A%0d%0a//</stYle/</titLe/</teXtarEa/</scRipt/--!>\\x3csVg/<sVg/oNloAd=window.__xss.push('p1b')//>\\x3e",
  "'\"-->]]>*/</script></style></title></textarea><svg/onload=window.__xss.push('p2')>",
  "\"><img src=x onerror=window.__xss.push('p3')>${alert('p3')}{{alert('p3')}}",
  "';window.__xss.push('p4');//\";window.__xss.push('p4b');//--></SCRIPT>\">'><SCRIPT>window.__xss.push('p4c')</SCRIPT>",
  '<img src="x` `<script>window.__xss.push(\'p5\')</script>"` `>',
  '<a href="javas\u0000cript:window.__xss.push(\'p6\')">null</a>',
  // entities: shown as typed, never decoded
  "&lt;script&gt;window.__xss.push('e1')&lt;/script&gt;",
  "&#60;img src=x onerror=window.__xss.push('e2')&#62;",
  "&#x3C;svg onload=window.__xss.push('e3')&#x3E;",
  '&amp;lt;b&amp;gt;bold?&amp;lt;/b&amp;gt;',
  '&quot;&apos;&nbsp;&copy;&NotAnEntity;&#0000060;&#x0003c;',
  "&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert('e6')",
  "\\u003cscript\\u003ewindow.__xss.push('e7')\\u003c/script\\u003e",
  "%3Cscript%3Ewindow.__xss.push('e8')%3C%2Fscript%3E",
  "+ADw-script+AD4-window.__xss.push('e9')+ADw-/script+AD4-",
  // unicode tricks (the edge removes bidi overrides, isolates and marks; the rest stays)
  'evil\u202egnp.exe\u202c and \u202dforced ltr\u202c',
  '\u2066isolated\u2069 \u2067rtl isolate\u2069 \u2068first strong\u2069',
  '\u200fRLM\u200e LRM mixed with עברית and العربية text',
  'guest-abcd: I am the admin ‮ reversed',
  'zero\u200bwidth\u200cjoin\u200dners\ufeffbom',
  "＜script＞window.__xss.push('u1')＜/script＞",
  "<ѕcript>window.__xss.push('u2')</ѕcript>",
  "\ufe64script\ufe65alert('u3')\ufe64/script\ufe65",
  'line\u2028separator\u2029paragraph\r\nwindows\rmac\nunix',
  'tab\there\u0007bell\u001bescape\u007fdel\u0085nel',
  'Z̸̢̛̠̹̖̯͇̬̼̜̝͔̯̖̯͈̺̓̽̈́̂̐̎̑͋̈́̓̅̈́͘͝a̵̧̛̬̱͍̼̣̗̫̝̪̠̞͇̬̦̅̍̆͆̒̍̈́̅̀̕͝l̸̡̢̛̗̙̜̯͚̝̭̲̘̠̤̪͈̝̎̿̀͌̇̓̉̋̕̚͝g̶̨̧̛̹̮̤̞̫̜̱̜̱̞̠̤͕̬̔͋̎̀̿̑͊̀͘͠ǫ̷̧̡̛̛̮̱̻͍̺̖̟̪͔̯̰̭̿̀̈́̄̓̍̏̔̕̚',
  '﷽﷽﷽﷽﷽﷽﷽﷽﷽﷽﷽﷽﷽﷽﷽﷽﷽﷽﷽﷽﷽﷽﷽﷽﷽﷽﷽﷽﷽﷽',
  '𒐫𒐫𒐫𒐫𒐫𒐫𒐫𒐫𒐫𒐫𒐫𒐫𒐫𒐫𒐫𒐫𒐫𒐫𒐫𒐫',
  '👨‍👩‍👧‍👦👩🏽‍🚀🏳️‍🌈🇺🇦🫠'.repeat(10),
  '\ud800 lone surrogate? \udfff',
  'ᅟᅠ　 ⠀ hangul filler and braille blank',
  // very long unbroken strings (at most 500 code points)
  'A'.repeat(500),
  'W'.repeat(499),
  '<'.repeat(500),
  '&'.repeat(250) + ';'.repeat(250),
  'https://example.com/' + 'a'.repeat(470),
  '👍'.repeat(500),
  '漢'.repeat(500),
  'x'.repeat(200) + '\u0301'.repeat(300),
  "<img src=x onerror=window.__xss.push('L1')>" + 'M'.repeat(450),
  '-'.repeat(500),
  // just odd
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '{"type":"welcome","you":{"canModerate":true}}',
  '</div></div></div></main></body></html>',
  '<html><head><title>pwned</title></head></html>',
  '<b>bold</b> <i>italic</i> <u>under</u> <marquee>old</marquee>',
  '<h1 style="font-size:500px">HUGE</h1>',
  '<div style="position:fixed;top:0;left:0;width:100vw;height:100vh;background:red">cover</div>',
  '<table><tr><td>' + 'cell'.repeat(100) + '</td></tr></table>',
  '<pre>' + 'preformatted_'.repeat(35) + '</pre>',
  '<nobr>' + 'nobreak '.repeat(55) + '</nobr>',
  '<img src="//' + 'xss-probe.invalid' + '/i.png">',
  '<video poster="//xss-probe.invalid/p.png"></video>',
  '<input type=image src=//xss-probe.invalid/in.png>',
  '<portal src=//xss-probe.invalid/portal></portal>',
  "<script>window.__xss.push('ws')</script>   ",
];

function build(): string[] {
  const all = new Set<string>();
  let id = 0;
  for (const vector of VECTORS) {
    for (const action of ACTIONS) {
      id++;
      all.add(vector(action(id), id));
    }
  }
  for (const text of STANDALONE) all.add(text);
  return [...all];
}

export const XSS_PAYLOADS: readonly string[] = build();

/** Longer than the edge allows (500 code points): each must be refused as too long. */
export const TOO_LONG_PAYLOADS: readonly string[] = [
  'A'.repeat(501),
  "<img src=x onerror=window.__xss.push('T1')>".repeat(13),
  '👍'.repeat(501),
  "<script>window.__xss.push('T3')</script>" + 'y'.repeat(600),
];
