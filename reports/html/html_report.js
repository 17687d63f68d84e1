// report.html, last script: draws the charts from the data block (#lg-data, built by
// reports/html/report_data.cpp) with Chart.js (inlined before this script), then leaves its state
// on <body>: data-charts = charts drawn, data-ready = "1" (set even when something failed;
// data-errors, kept by html_report_errors.js, says what).
(function () {
  'use strict';
  // Every time chart's y axes get these fixed widths (px), so that all plot areas span the
  // same pixels and one second sits at the same x in every chart.
  const LEFT_AXIS = 80;
  const RIGHT_AXIS = 56;
  const PALETTE = ['#0969da', '#1a7f37', '#bf3989', '#bc4c00', '#8250df', '#1b7c83',
                   '#cf222e', '#6e7781', '#9a6700', '#0550ae'];
  const EVENT_COLORS = {scale_up: '#1a7f37', scale_down: '#bc4c00', action: '#0550ae'};
  const ERROR_COLORS = {connect: '#cf222e', timeout: '#bc4c00', read: '#8250df',
                        write: '#bf3989', parse: '#6e7781', http_4xx: '#9a6700',
                        http_5xx: '#a40e26'};
  let charts = 0;

  function fmtMs(ms) {
    if (ms === null || ms === undefined) return '-';
    if (ms === 0) return '0';
    if (ms >= 1000) return (ms / 1000).toPrecision(3) + ' s';
    if (ms >= 100) return ms.toFixed(0) + ' ms';
    if (ms >= 10) return ms.toFixed(1) + ' ms';
    if (ms >= 1) return ms.toFixed(2) + ' ms';
    return ms.toFixed(3) + ' ms';
  }

  // Axis ticks: three significant digits without trailing zeros ("2 ms", "12.5 ms", "1.5 s").
  function tickMs(ms) {
    if (ms >= 1000) return Number((ms / 1000).toPrecision(3)) + ' s';
    return Number(ms.toPrecision(3)) + ' ms';
  }

  // "99.9%" for x = 1 / (1 - p): the spectrum's x axis.
  function percentLabel(x) {
    const p = 100 * (1 - 1 / x);
    const digits = Math.max(0, Math.min(4, Math.ceil(Math.log10(x)) - 2));
    return p.toFixed(digits) + '%';
  }

  // Shortens `text` with an ellipsis until it fits `width` px (or returns '' if nothing does).
  function fit(ctx, text, width) {
    if (ctx.measureText(text).width <= width) return text;
    for (let n = text.length - 1; n > 0; --n) {
      const cut = text.slice(0, n) + '…';
      if (ctx.measureText(cut).width <= width) return cut;
    }
    return '';
  }

  function inArea(area, px) {
    return px >= area.left - 0.5 && px <= area.right + 0.5;
  }

  function drawSteps(chart, ctx, steps) {
    const x = chart.scales.x;
    const area = chart.chartArea;
    ctx.fillStyle = '#59636e';
    steps.forEach(function (s, i) {
      const px = x.getPixelForValue(s.start_s);
      if (!inArea(area, px)) return;
      if (i > 0) {
        ctx.strokeStyle = '#8c959f';
        ctx.setLineDash([4, 4]);
        ctx.beginPath();
        ctx.moveTo(px, area.top);
        ctx.lineTo(px, area.bottom);
        ctx.stroke();
      }
      const next = i + 1 < steps.length ? x.getPixelForValue(steps[i + 1].start_s) : area.right;
      const label = s.label + (s.warmup ? ' (warm-up)' : '');
      ctx.fillText(fit(ctx, label, Math.min(next, area.right) - px - 6), px + 3, area.top + 11);
    });
    ctx.setLineDash([]);
  }

  function drawEvents(chart, ctx, events) {
    const x = chart.scales.x;
    const area = chart.chartArea;
    events.forEach(function (e, i) {
      const px = x.getPixelForValue(e.t_s);
      if (!inArea(area, px)) return;
      const color = EVENT_COLORS[e.type] || '#8250df';
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(px, area.top);
      ctx.lineTo(px, area.bottom);
      ctx.stroke();
      // Staggered in three rows so that events close in time keep readable labels.
      const label = e.label || e.type + ' ' + e.from + '->' + e.to;  // timed actions: label
      const y = area.bottom - 6 - (i % 3) * 15;
      const w = ctx.measureText(label).width;
      const left = px + 4 + w > area.right ? px - 4 - w : px + 4;
      ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
      ctx.fillRect(left - 2, y - 10, w + 4, 13);
      ctx.fillStyle = color;
      ctx.fillText(label, left, y);
    });
  }

  // Step boundaries (dashed, labelled at the top) and scale events and fired timed actions
  // (solid, labelled at the bottom) on a chart whose x axis is seconds since the start.
  const markers = {
    id: 'lgMarkers',
    afterDatasetsDraw: function (chart, args, opts) {
      const ctx = chart.ctx;
      ctx.save();
      ctx.font = '11px system-ui, sans-serif';
      ctx.lineWidth = 1;
      drawSteps(chart, ctx, opts.steps || []);
      drawEvents(chart, ctx, opts.events || []);
      ctx.restore();
    },
  };

  function container(parentId, title, tall) {
    const parent = document.getElementById(parentId);
    if (title) {
      const h = document.createElement('div');
      h.className = 'chart-title';
      h.textContent = title;
      parent.appendChild(h);
    }
    const box = document.createElement('div');
    box.className = tall ? 'chart tall' : 'chart';
    const canvas = document.createElement('canvas');
    box.appendChild(canvas);
    parent.appendChild(box);
    return canvas;
  }

  // Chart creation that counts what was drawn; a failure is recorded and the next chart still
  // gets its chance.
  function draw(name, make) {
    try {
      make();
      charts += 1;
    } catch (e) {
      window.lgRecordError(name + ': ' + (e && e.stack ? e.stack : e));
    }
  }

  // A per-second column as points at the middle of each second: second t covers [t, t+1).
  function series(data, column) {
    return data.timeline.t.map(function (t, i) {
      return {x: t + 0.5, y: column[i]};
    });
  }

  function line(label, points, color, extra) {
    return Object.assign({label: label, data: points, borderColor: color, backgroundColor: color,
                          borderWidth: 1.5, pointRadius: 0, spanGaps: false}, extra || {});
  }

  function timeAxis(data) {
    return {type: 'linear', min: 0, max: data.x_max, offset: false,
            title: {display: true, text: 'seconds since start'},
            ticks: {maxTicksLimit: 20, includeBounds: false}, grid: {color: '#eaeef2'}};
  }

  function valueAxis(title, position, width, extra) {
    return Object.assign({position: position, beginAtZero: true, grace: '5%',
                          title: {display: true, text: title},
                          afterFit: function (axis) { axis.width = width; },
                          grid: {color: '#eaeef2', drawOnChartArea: position === 'left'}}, extra || {});
  }

  // A chart on the shared time axis. `axes`: {y: ..., y2: ... (optional, on the right), x:
  // ... (optional, replaces the default time axis)}.
  // `format` (optional) writes a value for the tooltip, e.g. fmtMs.
  function timeChart(canvas, data, type, datasets, axes, format) {
    const scales = Object.assign({x: timeAxis(data)}, axes);
    return new Chart(canvas, {
      type: type,
      data: {datasets: datasets},
      plugins: [markers],
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        interaction: {mode: 'nearest', axis: 'x', intersect: false},
        layout: {padding: {right: axes.y2 ? 0 : RIGHT_AXIS}},
        scales: scales,
        plugins: {
          legend: {position: 'top', align: 'end', labels: {boxWidth: 12}},
          tooltip: {callbacks: {
            title: function (items) {
              return items.length ? 'second ' + Math.floor(items[0].parsed.x) : '';
            },
            label: function (item) {
              const y = item.parsed.y;
              return item.dataset.label + ': ' + (format ? format(y) : y.toLocaleString('en'));
            },
          }},
          lgMarkers: {steps: data.steps, events: data.events},
        },
      },
    });
  }

  // The planned rate: each step from its start rate to its end rate (a ramp is a slope).
  function targetPoints(data) {
    const points = [];
    data.steps.forEach(function (s) {
      points.push({x: s.start_s, y: s.start_rate}, {x: s.end_s, y: s.end_rate});
    });
    return points;
  }

  function rateChart(data) {
    const tl = data.timeline;
    const sets = [line('sent/s', series(data, tl.sent), PALETTE[0]),
                  line('completed/s', series(data, tl.completed), PALETTE[1])];
    const target = targetPoints(data);
    if (target.some(function (p) { return p.y > 0; })) {
      sets.push(line('target/s', target, '#6e7781', {borderDash: [6, 4], borderWidth: 1}));
    }
    timeChart(container('timeline-charts', 'Requests per second'), data, 'line', sets,
              {y: valueAxis('requests/s', 'left', LEFT_AXIS)});
  }

  function latencyChart(data) {
    const tl = data.timeline;
    const sets = [line('p50', series(data, tl.p50_ms), PALETTE[0]),
                  line('p95', series(data, tl.p95_ms), PALETTE[3]),
                  line('p99', series(data, tl.p99_ms), PALETTE[6])];
    const y = valueAxis('latency', 'left', LEFT_AXIS, {ticks: {callback: tickMs}});
    timeChart(container('timeline-charts', 'Latency per second (from intended send)'), data,
              'line', sets, {y: y}, fmtMs);
  }

  function errorsChart(data) {
    const columns = data.timeline.errors;
    const names = Object.keys(columns);
    const sets = names.map(function (name) {
      const color = ERROR_COLORS[name] || '#6e7781';
      return {label: name, data: series(data, columns[name]), backgroundColor: color,
              borderColor: color, barPercentage: 1, categoryPercentage: 1};
    });
    const title = names.length ? 'Errors per second, by category' : 'Errors per second: none';
    const x = Object.assign(timeAxis(data), {stacked: true});
    const y = valueAxis('errors/s', 'left', LEFT_AXIS, {stacked: true, ticks: {precision: 0}});
    timeChart(container('timeline-charts', title), data, 'bar', sets, {x: x, y: y});
  }

  function replicasChart(data) {
    const tl = data.timeline;
    const sets = [line('replicas', series(data, tl.replicas), PALETTE[4], {stepped: 'middle'})];
    if (tl.healthy) {
      sets.push(line('healthy', series(data, tl.healthy), PALETTE[1],
                     {stepped: 'middle', borderDash: [5, 3]}));
    }
    const y = valueAxis('replicas', 'left', LEFT_AXIS, {ticks: {precision: 0}, suggestedMax: 1});
    timeChart(container('timeline-charts', 'Replicas (from the load balancer)'), data, 'line',
              sets, {y: y});
  }

  function generatorChart(data) {
    const tl = data.timeline;
    const sets = [line('CPU %', series(data, tl.cpu_percent), PALETTE[0], {yAxisID: 'y'}),
                  line('max schedule lag (ms)', series(data, tl.max_lag_ms), PALETTE[3],
                       {yAxisID: 'y2'})];
    timeChart(container('generator-chart', 'Generator CPU and schedule lag per second'), data,
              'line', sets, {y: valueAxis('CPU % of one core', 'left', LEFT_AXIS),
                             y2: valueAxis('lag ms', 'right', RIGHT_AXIS)});
  }

  // Ticks where readers expect them: 0%, 50%, 90%, 99%, 99.9%, ...
  function percentileTicks(axis) {
    axis.ticks = [1, 2, 10, 100, 1e3, 1e4, 1e5].filter(function (v) {
      return v >= axis.min && v <= axis.max;
    }).map(function (v) { return {value: v}; });
  }

  function spectrumChart(data) {
    const sets = data.spectrum.map(function (s, i) {
      const points = s.points.map(function (p) { return {x: p[0], y: p[1]}; });
      return line(s.label, points, PALETTE[i % PALETTE.length], {pointRadius: 1.5, borderWidth: 2});
    });
    const maxX = Math.max.apply(null, data.spectrum.map(function (s) {
      return s.points[s.points.length - 1][0];
    }));
    new Chart(container('spectrum-chart', null, true), {
      type: 'line',
      data: {datasets: sets},
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        interaction: {mode: 'nearest', axis: 'x', intersect: false},
        scales: {
          x: {type: 'logarithmic', min: 1, max: Math.max(2, maxX), title: {display: true,
              text: 'percentile'}, afterBuildTicks: percentileTicks,
              ticks: {callback: percentLabel, autoSkip: false}},
          y: {type: 'logarithmic', title: {display: true, text: 'latency (log)'},
              ticks: {callback: function (v) {
                const m = Math.round(v / Math.pow(10, Math.floor(Math.log10(v))));
                return m === 1 || m === 2 || m === 5 ? tickMs(v) : '';
              }}},
        },
        plugins: {
          legend: {position: 'top', align: 'end', labels: {boxWidth: 12}},
          tooltip: {callbacks: {
            title: function (items) { return items.length ? percentLabel(items[0].parsed.x) : ''; },
            label: function (item) { return item.dataset.label + ': ' + fmtMs(item.parsed.y); },
          }},
        },
      },
    });
  }

  try {
    const data = JSON.parse(document.getElementById('lg-data').textContent);
    Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
    Chart.defaults.color = '#59636e';
    draw('rates', function () { rateChart(data); });
    draw('latency', function () { latencyChart(data); });
    draw('errors', function () { errorsChart(data); });
    if (data.timeline.replicas) draw('replicas', function () { replicasChart(data); });
    if (data.spectrum.length) {
      draw('spectrum', function () { spectrumChart(data); });
    } else {
      document.getElementById('spectrum-chart').textContent = 'No measured step had responses.';
    }
    draw('generator', function () { generatorChart(data); });
  } catch (e) {
    window.lgRecordError('report: ' + (e && e.stack ? e.stack : e));
  } finally {
    document.body.dataset.charts = String(charts);
    document.body.dataset.ready = '1';
  }
})();
