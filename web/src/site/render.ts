// The public site at /: what Pama is, the ceremonies, screenshots and a
// Start button. The build renders it to plain HTML per language (see
// vite.config.ts), with its CSS inline and no script, so it is readable the
// moment it arrives.

export type SiteLang = 'en' | 'ru';

const en = {
  title: 'Pama: the backlog and every Scrum ceremony, live, together',
  description: 'Pama is an open-source home for agile teams: one backlog and every Scrum ceremony, live, on any device.',
  skip: 'Skip to content',
  signIn: 'Sign in',
  other: 'Русский',
  otherHref: '/?lang=ru',
  otherLang: 'ru',
  heroTitle: 'Your backlog and every Scrum ceremony, live, together',
  heroText:
    'Pama is where an agile team keeps its product backlog and runs refinement, planning poker, stand-ups, planning, review and retrospectives: in one place, in real time, on a phone as well as a desktop.',
  start: 'Start a team space',
  startNote: 'Free and open source. A couple of minutes; no card, no install.',
  ceremoniesTitle: 'Every ceremony, as a live room',
  ceremonies: [
    ['Backlog refinement', 'Ask for refinement from any item. The room shows who is here and the queue; everyone edits the item together and sees each other type.'],
    ['Planning poker', 'Agree what one point looks like, then vote: cards stay hidden until all have voted, with median, spread and outliers.'],
    ['Daily stand-up', 'The sprint goal on screen, each speaker’s items shown while they talk, the next speaker picked at random, blockers kept.'],
    ['Retrospective', 'Write what went well and what did not, reveal together, vote, pick the main problem and leave with a solution and a name.'],
    ['Sprint planning and review', 'Fill the sprint against capacity and recent velocity; walk the done work, accept it and carry the rest over.'],
  ],
  whyTitle: 'Why teams use it',
  why: [
    ['One backlog', 'Products, epics, stories, tasks and bugs, ordered by dragging, with a board for every sprint.'],
    ['Live everywhere', 'Every change reaches every open screen at once, without a reload.'],
    ['Your team’s own space', 'Your own address, members and roles; sign in once and reach all your teams.'],
    ['Yours to run', 'One binary. Host it yourself, or use a hosted install.'],
  ],
  shotsTitle: 'A look inside',
  shotDesktop: 'A team space on a desktop: the team home with its sections.',
  shotPhone: 'The same team space on a phone, with the navigation at the bottom.',
  endTitle: 'Give your team a space',
  endText: 'Your email, a code, a name and an address. Your team space is live the moment you finish.',
  footer: 'Pama is open-source software.',
  api: 'API reference',
};

type SiteText = typeof en;

const ru: SiteText = {
  title: 'Pama: бэклог и все Scrum-церемонии вживую, вместе',
  description: 'Pama — открытая платформа для agile-команд: один бэклог и все Scrum-церемонии вживую на любом устройстве.',
  skip: 'К содержимому',
  signIn: 'Войти',
  other: 'English',
  otherHref: '/?lang=en',
  otherLang: 'en',
  heroTitle: 'Ваш бэклог и все Scrum-церемонии вживую, вместе',
  heroText:
    'В Pama agile-команда ведёт бэклог продукта и проводит груминг, покер планирования, стендапы, планирование, обзор и ретроспективы: в одном месте, в реальном времени, на телефоне так же, как на компьютере.',
  start: 'Создать пространство команды',
  startNote: 'Бесплатно и с открытым кодом. Пара минут; ни карты, ни установки.',
  ceremoniesTitle: 'Каждая церемония — живая комната',
  ceremonies: [
    ['Груминг бэклога', 'Попросите груминг у любой задачи. В комнате видно, кто пришёл, и очередь; все правят задачу вместе и видят, кто что печатает.'],
    ['Покер планирования', 'Договоритесь, как выглядит один пункт, и голосуйте: карты скрыты, пока не проголосуют все; медиана, разброс и выбросы.'],
    ['Ежедневный стендап', 'Цель спринта на экране, задачи выступающего видны всем, следующий выбирается случайно, блокеры записываются.'],
    ['Ретроспектива', 'Напишите, что было хорошо и что нет, откройте вместе, проголосуйте, выберите главную проблему и уйдите с решением и исполнителем.'],
    ['Планирование и обзор спринта', 'Наполните спринт с учётом ёмкости и скорости; пройдитесь по сделанному, примите работу, остальное перенесите.'],
  ],
  whyTitle: 'Почему команды выбирают Pama',
  why: [
    ['Один бэклог', 'Продукты, эпики, истории, задачи и баги, порядок перетаскиванием, доска для каждого спринта.'],
    ['Всё вживую', 'Любое изменение сразу видно на всех открытых экранах, без перезагрузки.'],
    ['Своё пространство', 'Свой адрес, участники и роли; один вход — все ваши команды.'],
    ['Под вашим контролем', 'Один исполняемый файл. Разверните у себя или пользуйтесь готовой установкой.'],
  ],
  shotsTitle: 'Как это выглядит',
  shotDesktop: 'Пространство команды на компьютере: главная страница команды с разделами.',
  shotPhone: 'То же пространство на телефоне, с навигацией внизу.',
  endTitle: 'Дайте команде своё пространство',
  endText: 'Почта, код, имя и адрес. Пространство заработает в тот же миг, как вы закончите.',
  footer: 'Pama — свободное программное обеспечение.',
  api: 'Справочник API',
};

const texts: Record<SiteLang, SiteText> = { en, ru };

/** The screenshots the page shows, as built asset paths with their sizes. */
export interface SiteImages {
  desktop: { src: string; width: number; height: number };
  phone: { src: string; width: number; height: number };
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** renderSite returns the whole HTML page of the public site in lang. */
export function renderSite(lang: SiteLang, css: string, images: SiteImages): string {
  const x = texts[lang];
  const list = (items: string[][]) =>
    items.map(([h, p]) => `<li><h3>${esc(h!)}</h3><p>${esc(p!)}</p></li>`).join('');
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(x.title)}</title>
<meta name="description" content="${esc(x.description)}">
<meta name="color-scheme" content="light dark">
<link rel="icon" href="/icon.svg" type="image/svg+xml">
<link rel="apple-touch-icon" href="/apple-touch-icon.png">
<link rel="alternate" hreflang="${x.otherLang}" href="${x.otherHref}">
<style>${css}</style>
</head>
<body>
<a class="skip" href="#main">${esc(x.skip)}</a>
<header class="top"><div class="wrap">
<a class="brand" href="/"><img src="/icon.svg" alt="" width="28" height="28"><span>Pama</span></a>
<nav><a href="${x.otherHref}" hreflang="${x.otherLang}" lang="${x.otherLang}">${esc(x.other)}</a><a class="signin" href="/sign-in">${esc(x.signIn)}</a></nav>
</div></header>
<main id="main">
<section class="hero"><div class="wrap">
<h1>${esc(x.heroTitle)}</h1>
<p class="lead">${esc(x.heroText)}</p>
<p><a class="button" href="/start">${esc(x.start)}</a></p>
<p class="note">${esc(x.startNote)}</p>
</div></section>
<section class="wrap" aria-labelledby="ceremonies"><h2 id="ceremonies">${esc(x.ceremoniesTitle)}</h2>
<ul class="cards">${list(x.ceremonies)}</ul></section>
<section class="wrap" aria-labelledby="shots"><h2 id="shots">${esc(x.shotsTitle)}</h2>
<div class="shots">
<figure class="desktop"><img src="${images.desktop.src}" width="${images.desktop.width}" height="${images.desktop.height}" loading="lazy" decoding="async" alt="${esc(x.shotDesktop)}"><figcaption>${esc(x.shotDesktop)}</figcaption></figure>
<figure class="phone"><img src="${images.phone.src}" width="${images.phone.width}" height="${images.phone.height}" loading="lazy" decoding="async" alt="${esc(x.shotPhone)}"><figcaption>${esc(x.shotPhone)}</figcaption></figure>
</div></section>
<section class="wrap" aria-labelledby="why"><h2 id="why">${esc(x.whyTitle)}</h2>
<ul class="cards why">${list(x.why)}</ul></section>
<section class="end"><div class="wrap">
<h2>${esc(x.endTitle)}</h2><p>${esc(x.endText)}</p>
<p><a class="button" href="/start">${esc(x.start)}</a></p>
</div></section>
</main>
<footer class="wrap"><p>${esc(x.footer)} <a href="/api/docs">${esc(x.api)}</a></p></footer>
</body>
</html>
`;
}
