// The no-code rule builder: rows of (field, operator, value) joined by AND/OR, written as rule-language text
// into the expression box. The server checks and previews that text; this file only writes it.
(function () {
  "use strict";
  const OPS = {
    number: ["=", "<>", ">", ">=", "<", "<="],
    money: ["=", "<>", ">", ">=", "<", "<="],
    text: ["=", "<>", "LIKE"],
    bool: ["is true", "is false"],
    timestamp: ["IS NULL", "IS NOT NULL"],
    date: ["IS NULL", "IS NOT NULL"],
  };
  const NO_VALUE = new Set(["is true", "is false", "IS NULL", "IS NOT NULL"]);

  function literal(type, raw) {
    if (type === "number" || type === "money") {
      const n = raw.trim();
      return /^-?\d+(\.\d+)?$/.test(n) ? n : null;
    }
    return "'" + raw.replace(/'/g, "''") + "'";
  }

  function setup() {
    const form = document.getElementById("rule-form");
    const data = document.getElementById("catalogue");
    if (!form || !data) return;
    const catalogue = JSON.parse(data.textContent);
    const entity = document.getElementById("entity");
    const list = document.getElementById("conditions");
    const joiner = document.getElementById("joiner");
    const box = document.getElementById("expression");
    const toggle = document.getElementById("edit-text");
    const builder = document.getElementById("builder");
    builder.hidden = false;

    function fields() {
      return catalogue[entity.value] || [];
    }
    function typeOf(name) {
      const f = fields().find((x) => x.name === name);
      return f ? f.type : "number";
    }

    function fillOps(row) {
      const ops = row.querySelector(".op");
      const type = typeOf(row.querySelector(".field").value);
      ops.replaceChildren(...OPS[type].map((o) => new Option(o, o)));
      row.dataset.type = type;
      updateValue(row);
    }
    function updateValue(row) {
      const value = row.querySelector(".value");
      value.hidden = NO_VALUE.has(row.querySelector(".op").value);
      value.type = row.dataset.type === "number" || row.dataset.type === "money" ? "number" : "text";
      value.step = "any";
    }

    function addRow() {
      const row = document.createElement("li");
      row.className = "condition";
      const field = document.createElement("select");
      field.className = "field";
      field.setAttribute("aria-label", "Field");
      for (const f of fields()) {
        const o = new Option(f.name + " (" + f.type + ")", f.name);
        o.title = f.help;
        field.append(o);
      }
      const op = document.createElement("select");
      op.className = "op";
      op.setAttribute("aria-label", "Operator");
      const value = document.createElement("input");
      value.className = "value";
      value.setAttribute("aria-label", "Value");
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button-small remove";
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", "Remove this condition");
      row.append(field, op, value, remove);
      list.append(row);
      field.addEventListener("change", () => { fillOps(row); write(); });
      op.addEventListener("change", () => { updateValue(row); write(); });
      value.addEventListener("input", write);
      remove.addEventListener("click", () => { row.remove(); write(); });
      fillOps(row);
      return row;
    }

    function write() {
      if (toggle.checked) return;
      const parts = [];
      for (const row of list.querySelectorAll(".condition")) {
        const field = row.querySelector(".field").value;
        const op = row.querySelector(".op").value;
        const raw = row.querySelector(".value").value;
        let part = null;
        if (op === "is true") part = field;
        else if (op === "is false") part = "NOT " + field;
        else if (op === "IS NULL" || op === "IS NOT NULL") part = field + " " + op;
        else if (raw.trim() !== "") {
          const lit = literal(row.dataset.type, raw);
          part = lit === null ? null : field + " " + op + " " + lit;
        }
        row.classList.toggle("incomplete", part === null);
        if (part !== null) parts.push(part);
      }
      box.value = parts.join(" " + joiner.value + " ");
    }

    function mode() {
      box.readOnly = !toggle.checked;
      builder.disabled = toggle.checked;
      if (!toggle.checked) write();
    }

    document.getElementById("add-condition").addEventListener("click", () => { addRow(); write(); });
    joiner.addEventListener("change", write);
    entity.addEventListener("change", () => {
      list.replaceChildren();
      addRow();
      write();
    });
    toggle.addEventListener("change", mode);
    // Text the builder did not write (an existing rule, or a checked draft) is kept and edited as text.
    if (box.value.trim() !== "") {
      toggle.checked = true;
    } else {
      addRow();
    }
    mode();
  }
  document.addEventListener("DOMContentLoaded", setup);
})();
