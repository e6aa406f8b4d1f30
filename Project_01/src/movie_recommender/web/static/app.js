// movie-recs page: search as you type, pick a film, show its recommendations.
// Plain JavaScript, no build step. Talks to /api/search and /api/recommendations.
"use strict";

const DEBOUNCE_MS = 150;
const input = document.getElementById("title");
const list = document.getElementById("matches");
const statusLine = document.getElementById("status");
const results = document.getElementById("results");
const resultsTitle = document.getElementById("results-title");
const resultsNote = document.getElementById("results-note");
const rows = document.getElementById("recommendations");

let matches = [];
let active = -1;
let timer = 0;
let pending = null;

function say(message, problem = false) {
  statusLine.textContent = message;
  statusLine.classList.toggle("problem", problem);
}

// One fetch at a time: a newer request aborts the older one.
async function getJson(path, params) {
  if (pending) pending.abort();
  pending = new AbortController();
  const response = await fetch(`${path}?${params}`, { signal: pending.signal });
  const body = await response.json().catch(() => ({}));
  if (response.status === 503) {
    const wait = response.headers.get("Retry-After") || "1";
    throw new Error(`The service is busy right now: please retry in ${wait} s.`);
  }
  if (!response.ok) throw new Error(body.error || `Request failed (${response.status}).`);
  return body;
}

function describe(film) {
  const year = film.year ? ` · ${film.year}` : "";
  return `${film.genres.replaceAll("|", ", ")}${year} · ${film.ratings} ratings`;
}

function closeList() {
  list.hidden = true;
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
  active = -1;
}

function highlight(position) {
  const options = list.querySelectorAll("li");
  options.forEach((option, index) => option.setAttribute("aria-selected", String(index === position)));
  active = position;
  if (position >= 0) {
    input.setAttribute("aria-activedescendant", options[position].id);
    options[position].scrollIntoView({ block: "nearest" });
  }
}

function showMatches(query, found) {
  matches = found;
  list.replaceChildren();
  if (!found.length) {
    closeList();
    say(`No film matches “${query}”. Check the spelling or try fewer words.`, true);
    return;
  }
  say(`${found.length} matching films: pick one.`);
  found.forEach((film, index) => {
    const option = document.createElement("li");
    option.id = `match-${index}`;
    option.setAttribute("role", "option");
    option.setAttribute("aria-selected", "false");
    const title = document.createElement("div");
    title.textContent = film.title;
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = describe(film);
    option.append(title, meta);
    option.addEventListener("mousedown", (event) => {
      event.preventDefault();
      pick(index);
    });
    list.append(option);
  });
  list.hidden = false;
  input.setAttribute("aria-expanded", "true");
  highlight(-1);
}

async function search() {
  const query = input.value.trim();
  if (!query) {
    closeList();
    say("");
    return;
  }
  try {
    const answer = await getJson("/api/search", new URLSearchParams({ q: query, limit: "8" }));
    showMatches(query, answer.matches);
  } catch (error) {
    if (error.name !== "AbortError") say(error.message, true);
  }
}

function link(href, text) {
  const anchor = document.createElement("a");
  anchor.href = href;
  anchor.textContent = text;
  anchor.rel = "noopener";
  anchor.target = "_blank";
  return anchor;
}

function cell(text, className = "") {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function showRecommendations(answer) {
  rows.replaceChildren();
  resultsTitle.textContent = `Fans of ${answer.match.title} also loved`;
  resultsNote.textContent = answer.fallback ? answer.note : "";
  answer.recommendations.forEach((film, index) => {
    const row = document.createElement("tr");
    const title = document.createElement("td");
    title.append(link(film.links.movielens, film.title));
    const extra = document.createElement("span");
    extra.className = "links";
    if (film.links.imdb) extra.append(link(film.links.imdb, "IMDb"));
    if (film.links.tmdb) extra.append(link(film.links.tmdb, "TMDb"));
    title.append(extra);
    row.append(
      cell(String(index + 1), "number"),
      title,
      cell(film.year ? String(film.year) : "–", "number"),
      cell(film.genres.replaceAll("|", ", ")),
      cell(String(film.ratings), "number"),
    );
    rows.append(row);
  });
  results.hidden = false;
  say(`${answer.recommendations.length} recommendations for ${answer.match.title}.`);
}

async function pick(index) {
  const film = matches[index];
  if (!film) return;
  closeList();
  input.value = film.title;
  say(`Looking for films like ${film.title}…`);
  try {
    const params = new URLSearchParams({ movie_id: String(film.movieId), limit: "10" });
    showRecommendations(await getJson("/api/recommendations", params));
  } catch (error) {
    if (error.name !== "AbortError") say(error.message, true);
  }
}

input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(search, DEBOUNCE_MS);
});

input.addEventListener("keydown", (event) => {
  const open = !list.hidden && matches.length > 0;
  if (event.key === "ArrowDown" && open) {
    highlight((active + 1) % matches.length);
  } else if (event.key === "ArrowUp" && open) {
    highlight((active - 1 + matches.length) % matches.length);
  } else if (event.key === "Enter") {
    if (open) pick(active >= 0 ? active : 0);
  } else if (event.key === "Escape") {
    closeList();
  } else {
    return;
  }
  event.preventDefault();
});

input.addEventListener("blur", closeList);
document.getElementById("search-form").addEventListener("submit", (event) => event.preventDefault());
