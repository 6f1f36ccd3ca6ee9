// The sweep explorer of report.html (explorer.py embeds this script and the
// data): the reader picks the swept key along the curve, the value of every
// other key, the provider of a network and the statistic; the chart (SVG)
// and the table redraw from the embedded numbers. Plain JavaScript, no
// library and no network, so the page stays one file that works offline.
//
// The data: keys[k] = {key, label, texts, values (null for text keys), base};
// views[v].variables[name] = {label, kind, value, low, high, text}, each a
// flat array over (structure, key 0, key 1, ...) in C order.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("explorer-data").textContent);
  const svgNS = "http://www.w3.org/2000/svg";
  const sizes = data.keys.map(k => k.texts.length);
  const state = {
    along: 0,
    fixed: data.keys.map(k => k.base),
    view: 0,
    variable: Object.keys(data.views[0].variables)[0],
  };

  // The flat index of (structure, levels) in C order.
  function flatIndex(structure, levels) {
    let index = structure;
    for (let k = 0; k < sizes.length; k++) index = index * sizes[k] + levels[k];
    return index;
  }

  function element(tag, attributes, text) {
    const node = tag.startsWith("svg:") ? document.createElementNS(svgNS, tag.slice(4))
                                        : document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // ---- the controls ----
  function select(id, label, options, chosen, onChange) {
    const wrapper = element("label", {}, label + " ");
    const box = element("select", {id: id});
    options.forEach(([value, text]) => {
      const option = element("option", {value: String(value)}, text);
      if (String(value) === String(chosen)) option.selected = true;
      box.appendChild(option);
    });
    box.addEventListener("change", () => { onChange(box.value); render(); });
    wrapper.appendChild(box);
    return wrapper;
  }

  function drawControls() {
    const form = document.getElementById("explorer-controls");
    form.replaceChildren();
    form.appendChild(select("explorer-along", "Curve along", data.keys.map((k, i) => [i, k.label]), state.along,
                            value => { state.along = Number(value); drawControls(); }));
    if (data.views.length > 1) {
      form.appendChild(select("explorer-view", "Provider", data.views.map((v, i) => [i, v.label]), state.view,
                              value => {
                                state.view = Number(value);
                                const names = Object.keys(data.views[state.view].variables);
                                if (!names.includes(state.variable)) state.variable = names[0];
                                drawControls();
                              }));
    }
    const variables = data.views[state.view].variables;
    form.appendChild(select("explorer-variable", "Show", Object.entries(variables).map(([n, v]) => [n, v.label]),
                            state.variable, value => { state.variable = value; }));
    data.keys.forEach((key, k) => {
      if (k === state.along) return;
      const box = select(`explorer-key-${k}`, key.label, key.texts.map((t, i) => [i, t]), state.fixed[k],
                         value => { state.fixed[k] = Number(value); });
      box.querySelector("select").dataset.key = key.key;
      form.appendChild(box);
    });
  }

  // ---- numbers as text ----
  function niceStep(range, count) {
    const raw = range / count;
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map(m => m * power).find(s => s >= raw);
    return step;
  }

  function decimalsOf(step) {
    return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  }

  function tickText(value, kind, step) {
    if (kind === "probability") return `${(100 * value).toFixed(decimalsOf(100 * step))}\u00a0%`;
    const millions = value / 1e6;
    const text = Math.abs(millions).toFixed(decimalsOf(step / 1e6));
    return (millions < 0 && Number(text) !== 0 ? "\u2212" : "") + `£${text}m`;
  }

  // ---- the chart ----
  const width = 700, height = 380;
  const margin = {left: 70, right: 16, top: 14, bottom: 58};

  function markerPath(shape, x, y, r) {
    const polygon = (corners, turn) => {
      const points = [];
      for (let i = 0; i < corners; i++) {
        const angle = turn + 2 * Math.PI * i / corners;
        points.push(`${(x + r * Math.sin(angle)).toFixed(2)},${(y - r * Math.cos(angle)).toFixed(2)}`);
      }
      return "M" + points.join("L") + "Z";
    };
    switch (shape) {
      case "square": return polygon(4, Math.PI / 4);
      case "diamond": return polygon(4, 0);
      case "triangle-up": return polygon(3, 0);
      case "triangle-down": return polygon(3, Math.PI);
      case "triangle-left": return polygon(3, -Math.PI / 2);
      case "triangle-right": return polygon(3, Math.PI / 2);
      case "pentagon": return polygon(5, 0);
      case "hexagon": return polygon(6, 0);
      case "star": {
        const points = [];
        for (let i = 0; i < 10; i++) {
          const angle = Math.PI * i / 5, radius = i % 2 ? r * 0.45 : r * 1.15;
          points.push(`${(x + radius * Math.sin(angle)).toFixed(2)},${(y - radius * Math.cos(angle)).toFixed(2)}`);
        }
        return "M" + points.join("L") + "Z";
      }
      case "plus": {
        const a = r * 0.35;
        return `M${x - a},${y - r}h${2 * a}v${r - a}h${r - a}v${2 * a}h${a - r}v${r - a}h${-2 * a}v${a - r}` +
               `h${a - r}v${-2 * a}h${r - a}Z`;
      }
      case "cross": return `M${x - r},${y - r}L${x + r},${y + r}M${x - r},${y + r}L${x + r},${y - r}`;
      default: return `M${x - r},${y}a${r},${r} 0 1,0 ${2 * r},0a${r},${r} 0 1,0 ${-2 * r},0`;
    }
  }

  function marker(look, x, y, r) {
    const open = look.marker === "cross";
    return element("svg:path", {
      d: markerPath(look.marker, x, y, r), stroke: look.grey, "stroke-width": open ? 1.6 : 1,
      fill: open ? "none" : (look.hollow ? "white" : look.grey),
    });
  }

  // The levels of the key along the curve, with every other key at its chosen value.
  function series(variable, structure) {
    const levels = state.fixed.slice();
    return data.keys[state.along].texts.map((_, i) => {
      levels[state.along] = i;
      const at = flatIndex(structure, levels);
      return {level: i, value: variable.value[at], low: variable.low ? variable.low[at] : null,
              high: variable.high ? variable.high[at] : null, text: variable.text[at]};
    });
  }

  function drawChart(variable) {
    const svg = document.getElementById("explorer-chart");
    svg.replaceChildren();
    const key = data.keys[state.along];
    const count = key.texts.length;
    const all = data.structures.map((_, s) => series(variable, s));
    const plotted = all.flat().flatMap(p => [p.value, p.low, p.high]).filter(v => v !== null);
    const probability = variable.kind === "probability";
    let low = Math.min(0, ...plotted), high = Math.max(...plotted, 0);
    if (probability) {
      if (data.appetite !== null) high = Math.max(high, data.appetite);
      high = Math.min(1, high * 1.08 || 0.01);
      low = 0;
    } else if (high === low) {
      high = low + 1e6;
    }
    const step = niceStep(high - low, 5);
    low = Math.floor(low / step + 1e-9) * step;
    high = Math.ceil(high / step - 1e-9) * step;
    if (probability) high = Math.min(high, 1);
    const innerWidth = width - margin.left - margin.right, innerHeight = height - margin.top - margin.bottom;
    const yOf = v => margin.top + innerHeight * (1 - (v - low) / (high - low));
    // A numeric key is drawn to scale; a text key (or one level) at equal steps.
    const numeric = key.values !== null && count > 1 && Math.max(...key.values) > Math.min(...key.values);
    const xMin = numeric ? Math.min(...key.values) : 0, xMax = numeric ? Math.max(...key.values) : count - 1;
    const pad = numeric ? 0.04 : 0.5 / Math.max(count, 1);
    const xOf = i => {
      const t = count === 1 ? 0.5 : ((numeric ? key.values[i] : i) - xMin) / (xMax - xMin);
      return margin.left + innerWidth * (pad + (1 - 2 * pad) * t);
    };
    // Grid lines and the y axis's ticks.
    for (let v = low; v <= high + step / 2; v += step) {
      const y = yOf(v);
      svg.appendChild(element("svg:line", {x1: margin.left, x2: width - margin.right, y1: y, y2: y,
                                           stroke: "#d9d9d9", "stroke-width": 0.6}));
      svg.appendChild(element("svg:text", {x: margin.left - 6, y: y + 3.5, "text-anchor": "end",
                                           "font-size": 11}, tickText(v, variable.kind, step)));
    }
    // The x axis's ticks: every level when few, otherwise about eight of them.
    const every = Math.max(1, Math.ceil(count / 8));
    key.texts.forEach((text, i) => {
      if (i % every) return;
      svg.appendChild(element("svg:text", {x: xOf(i), y: height - margin.bottom + 16, "text-anchor": "middle",
                                           "font-size": 11}, text));
    });
    svg.appendChild(element("svg:rect", {x: margin.left, y: margin.top, width: innerWidth, height: innerHeight,
                                         fill: "none", stroke: "#333", "stroke-width": 0.8}));
    svg.appendChild(element("svg:text", {x: margin.left + innerWidth / 2, y: height - 12, "text-anchor": "middle",
                                         "font-size": 12}, key.label));
    const yLabel = variable.label + (probability ? " (% of runs, 95 % interval)" : " (£m)");
    svg.appendChild(element("svg:text", {x: 14, y: margin.top + innerHeight / 2, "text-anchor": "middle",
                                         "font-size": 12, transform: `rotate(-90 14 ${margin.top + innerHeight / 2})`},
                            yLabel));
    if (probability && data.appetite !== null && data.appetite <= high) {
      const y = yOf(data.appetite);
      svg.appendChild(element("svg:line", {x1: margin.left, x2: width - margin.right, y1: y, y2: y, stroke: "#000",
                                           "stroke-width": 1.2, "stroke-dasharray": "1.5,3",
                                           "data-appetite": data.appetite}));
      svg.appendChild(element("svg:text", {x: width - margin.right - 4, y: y - 4, "text-anchor": "end",
                                           "font-size": 10.5}, `risk appetite ${data.appetite_text}`));
    }
    // One line per structure; intervals as error bars, dodged a little so that they do not hide each other.
    const dodgeStep = Math.min(4, innerWidth / Math.max(count, 1) / (3 * data.structures.length));
    all.forEach((points, s) => {
      const look = data.looks[s];
      const dodge = (s - (data.structures.length - 1) / 2) * dodgeStep;
      const group = element("svg:g", {"data-structure": data.structures[s]});
      const drawn = points.filter(p => p.value !== null);
      if (drawn.length > 1) {
        group.appendChild(element("svg:polyline", {
          points: drawn.map(p => `${(xOf(p.level) + dodge).toFixed(2)},${yOf(p.value).toFixed(2)}`).join(" "),
          fill: "none", stroke: look.grey, "stroke-width": 1.8, "stroke-dasharray": look.dash || "none"}));
      }
      drawn.forEach(p => {
        const x = xOf(p.level) + dodge;
        if (p.low !== null && p.high !== null) {
          group.appendChild(element("svg:path", {
            d: `M${x},${yOf(p.low)}V${yOf(p.high)}M${x - 2.5},${yOf(p.low)}h5M${x - 2.5},${yOf(p.high)}h5`,
            stroke: look.grey, "stroke-width": 0.9, fill: "none"}));
        }
        const point = marker(look, x, yOf(p.value), 4);
        point.setAttribute("data-level", p.level);
        point.setAttribute("data-value", p.value);
        point.appendChild(element("svg:title", {}, `${data.structures[s]}, ${key.texts[p.level]}: ${p.text}`));
        group.appendChild(point);
      });
      svg.appendChild(group);
    });
  }

  function drawLegend() {
    const legend = document.getElementById("explorer-legend");
    legend.replaceChildren();
    data.structures.forEach((name, s) => {
      const look = data.looks[s];
      const entry = element("span");
      const sample = element("svg:svg", {width: 34, height: 12, viewBox: "0 0 34 12"});
      sample.appendChild(element("svg:line", {x1: 1, x2: 33, y1: 6, y2: 6, stroke: look.grey, "stroke-width": 1.8,
                                              "stroke-dasharray": look.dash || "none"}));
      sample.appendChild(marker(look, 17, 6, 3.5));
      entry.appendChild(sample);
      entry.appendChild(document.createTextNode(" " + name));
      legend.appendChild(entry);
    });
  }

  // ---- the table: one row per level of the key along the curve ----
  // The chosen values of the keys not along the curve, as words.
  function where() {
    return data.keys.map((k, i) => i === state.along ? null : `${plainLabel(k)} = ${k.texts[state.fixed[i]]}`)
                    .filter(p => p !== null).join(", ");
  }

  // A key's label without its unit.
  function plainLabel(key) {
    return key.label.replace(/ \(.*\)$/, "");
  }

  // The statistic, and whose it is in a network.
  function what(variable) {
    const who = data.views[state.view].who;
    return variable.label + (who ? ` of ${who}` : "");
  }

  function drawTables(variable) {
    const holder = document.getElementById("explorer-tables");
    holder.replaceChildren();
    const key = data.keys[state.along];
    const all = data.structures.map((_, s) => series(variable, s));
    const perTable = data.columns_per_table;
    for (let start = 0; start < data.structures.length; start += perTable) {
      const chunk = data.structures.slice(start, start + perTable);
      const table = element("table", {class: "explorer-table", id: `explorer-table-${start / perTable}`});
      const part = data.structures.length > perTable
        ? `, structures ${start + 1}–${start + chunk.length} of ${data.structures.length}` : "";
      table.appendChild(element("caption", {},
        `${what(variable)}${variable.kind === "probability" ? " [95 % CI]" : " (£m)"} against ${plainLabel(key)}, at ${where()}${part}`));
      const head = element("tr");
      head.appendChild(element("th", {}, key.label));
      chunk.forEach(name => head.appendChild(element("th", {}, name)));
      table.appendChild(element("thead")).appendChild(head);
      const body = element("tbody");
      key.texts.forEach((text, i) => {
        const row = element("tr", {"data-level": i});
        row.appendChild(element("td", {}, text));
        chunk.forEach((name, c) => {
          const p = all[start + c][i];
          row.appendChild(element("td", {"data-structure": name, "data-value": p.value === null ? "" : p.value},
                                  p.text));
        });
        body.appendChild(row);
      });
      table.appendChild(body);
      holder.appendChild(table);
    }
  }

  function render() {
    const variable = data.views[state.view].variables[state.variable];
    drawChart(variable);
    drawTables(variable);
    const key = data.keys[state.along];
    document.getElementById("explorer-caption").textContent =
      `${what(variable)} against ${plainLabel(key)}, every structure, at ${where()}` +
      (variable.kind === "probability" ? "; bars: 95 % interval" : "") +
      (variable.kind === "probability" && data.appetite !== null ? "; dotted line: the risk appetite" : "") + ".";
    document.getElementById("explorer").dataset.selection = JSON.stringify(
      {along: key.key, view: data.views[state.view].id, variable: state.variable,
       fixed: Object.fromEntries(data.keys.map((k, i) => [k.key, i === state.along ? null : state.fixed[i]]))});
  }

  drawControls();
  drawLegend();
  render();
})();
