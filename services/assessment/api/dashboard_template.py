"""The dashboard page (a Python string so it ships with the package; nothing from the internet)."""

PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>12345 统一考核 · {{ period }}</title>
<style>
 body { font-family: system-ui, "Noto Sans CJK SC", sans-serif; margin: 2rem; color: #1f2933; }
 h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
 table { border-collapse: collapse; margin: .5rem 0 1.5rem; }
 th, td { border-bottom: 1px solid #d9e2ec; padding: .3rem .6rem; text-align: right; }
 th:first-child, td:first-child, td.unit { text-align: left; }
 .up { color: #2f8132; } .down { color: #c0392b; } .muted { color: #7b8794; }
 svg text { font-size: 12px; fill: #1f2933; }
</style>
</head>
<body>
<h1>统一考核 Unified assessment · {{ period }}</h1>
<p class="muted">weights {{ weights_version }} ({% for k, v in weights.items() %}{{ k }} {{ v }}{% if not loop.last %} / {% endif %}{% endfor %})
 · {% if closed %}closed, publication {{ publication_id }}{% else %}open: figures change as events arrive{% endif %}
 · <a href="/v1/scores.csv?period={{ period }}">CSV</a> · <a href="/v1/scores?period={{ period }}">JSON</a></p>
<form method="get"><label>period <input name="period" value="{{ period }}" pattern="\\d{4}-\\d{2}" size="8"></label>
<button>show</button></form>
{% for group in groups %}
<h2 id="{{ group.name }}">{{ group.title }}</h2>
<table class="ranking" data-group="{{ group.name }}">
<thead><tr><th>rank</th><th>unit</th><th>score</th><th>change</th><th>received</th><th>response</th>
<th>on time</th><th>resolution</th><th>satisfaction</th><th>returned</th><th>reopened</th><th>overdue</th>
<th>supervised</th><th>avg working days</th></tr></thead>
<tbody>
{% for u in group.units %}<tr data-unit="{{ u.unit_code }}">
<td>{{ u.rank if u.rank is not none else "–" }}</td><td class="unit">{{ u.unit_code }}</td>
<td>{{ "%.2f"|format(u.score) if u.score is not none else "–" }}</td>
<td>{% if u.rank_change is none %}<span class="muted">new</span>{% elif u.rank_change > 0 %}<span class="up">▲{{ u.rank_change }}</span>{% elif u.rank_change < 0 %}<span class="down">▼{{ -u.rank_change }}</span>{% else %}={% endif %}</td>
<td>{{ u.received }}</td>
{% for r in ("response", "on_time", "resolution", "satisfaction") %}<td>{{ pct(u.rates[r]) }}</td>{% endfor %}
<td>{{ u.returned }}</td><td>{{ u.reopened }}</td><td>{{ u.overdue }}</td><td>{{ u.supervised }}</td>
<td>{{ u.average_working_days if u.average_working_days is not none else "–" }}</td>
</tr>{% endfor %}
</tbody></table>
<svg class="chart" role="img" aria-label="scores of {{ group.title }}" width="{{ chart.width }}" height="{{ group.chart_height }}"
 xmlns="http://www.w3.org/2000/svg">
{% for bar in group.bars %}<g>
 <text x="0" y="{{ bar.y + 13 }}">{{ bar.unit_code }}</text>
 <rect x="{{ chart.label_width }}" y="{{ bar.y }}" width="{{ bar.score_width }}" height="8" fill="#3e7cb1"><title>score {{ bar.score }}</title></rect>
 <rect x="{{ chart.label_width }}" y="{{ bar.y + 9 }}" width="{{ bar.satisfaction_width }}" height="4" fill="#f0b429"><title>satisfaction</title></rect>
 <rect x="{{ chart.label_width }}" y="{{ bar.y + 14 }}" width="{{ bar.response_width }}" height="4" fill="#8bc34a"><title>response</title></rect>
 <text x="{{ chart.label_width + bar.score_width + 4 }}" y="{{ bar.y + 8 }}">{{ bar.score }}</text>
</g>{% endfor %}
</svg>
{% else %}
<p>No appeals were received in {{ period }} yet.</p>
{% endfor %}
<p class="muted">bars: score (blue, 0–100), satisfaction rate (yellow), response rate (green). Definitions: see the assessment README.</p>
</body>
</html>
"""
