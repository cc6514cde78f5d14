import {useEffect, useRef, useState} from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

import {type ChartData, getJson, LoggedOut} from './api.js'
import {FilterBox} from './filter-box.js'
import {type RangeInput, RangeForm} from './history.js'
import {boundFor, type ZoneChoice} from './time-range.js'

/** The live window's width and how often it is read again. */
const LIVE_SINCE = '15m'
const LIVE_REFRESH_MS = 5000
const PALETTE = ['#2aa198', '#859900', '#268bd2', '#b58900', '#dc322f', '#6c71c4', '#d33682', '#cb4b16', '#93a1a1', '#073642']
const CLASS_COLOURS: Record<string, string> = {'1xx': '#93a1a1', '2xx': '#859900', '3xx': '#268bd2', '4xx': '#b58900', '5xx': '#dc322f', other: '#6c71c4'}

interface Series {
  label: string
  values: Array<null | number>
  colour: string
}

/** One uPlot chart; made again when its data changes (charts are small: at most a few hundred points). */
function Chart({series, starts, title, timeZone, unit}: {title: string; starts: number[]; series: Series[]; unit: string; timeZone: string}) {
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const element = box.current!
    const plot = new uPlot({
      axes: [{}, {label: unit}],
      height: 220,
      series: [{}, ...series.map(({colour, label}) => ({label, stroke: colour, width: 2, spanGaps: false}))],
      title,
      tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), timeZone),
      width: Math.max(320, element.clientWidth),
    }, [starts.map((start) => start / 1000), ...series.map(({values}) => values)] as uPlot.AlignedData, element)
    return () => plot.destroy()
  }, [series, starts, timeZone])
  return <div class="chart" data-testid={`chart-${title}`} ref={box} />
}

/** The numbers `logs:stats --json` gives for the same range, next to the charts. */
function Summary({data}: {data: ChartData}) {
  const {router} = data.stats
  const cells: Array<[string, string, null | number]> = [
    ['requests', 'Requests', router.requests],
    ...Object.entries(router.statusClasses).map(([key, count]): [string, string, number] => [`class-${key}`, key, count]),
    ['p50', 'p50 service (ms)', router.service.p50],
    ['p99', 'p99 service (ms)', router.service.p99],
    ...data.stats.errors.map(({code, count}): [string, string, number] => [`code-${code}`, code, count]),
  ]
  return (
    <dl class="summary">
      {cells.map(([key, label, value]) => (
        <div key={key}><dt>{label}</dt><dd data-stat={key}>{value === null ? '–' : String(value)}</dd></div>
      ))}
    </dl>
  )
}

interface Props {
  app: string
  filter: string
  range: RangeInput
  live: boolean
  zone: ZoneChoice
  timeZone: string
  setView: (view: {filter?: string; range?: RangeInput; live?: boolean}) => void
  loggedOut: () => void
}

/** Router requests by status class, p50/p99 service, error codes and dyno memory, for a range or the live window. */
export function Charts({app, filter, live, loggedOut, range, setView, timeZone, zone}: Props) {
  const [data, setData] = useState<ChartData | undefined>()
  const [problem, setProblem] = useState<string | undefined>()

  useEffect(() => {
    let cancelled = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const read = async () => {
      try {
        const answer = await getJson<ChartData>(`/web/api/apps/${encodeURIComponent(app)}/charts`, live
          ? {filter, since: LIVE_SINCE}
          : {filter, since: boundFor(range.since, zone), until: boundFor(range.until, zone)})
        if (cancelled) return
        setData(answer)
        setProblem(undefined)
      } catch (error) {
        if (error instanceof LoggedOut) return loggedOut()
        if (!cancelled) setProblem((error as Error).message)
      }

      if (live && !cancelled) timer = setTimeout(read, LIVE_REFRESH_MS)
    }

    read()
    return () => {
      cancelled = true
      clearTimeout(timer)
    }
  }, [app, filter, live, range.since, range.until, zone])

  const colour = (i: number) => PALETTE[i % PALETTE.length]
  return (
    <section class="charts">
      <div class="toolbar">
        <label><input checked={live} onChange={() => setView({live: !live})} type="checkbox" /> Live (last {LIVE_SINCE}, every {LIVE_REFRESH_MS / 1000} s)</label>
      </div>
      {live ? null : <RangeForm onApply={(next) => setView({range: next})} range={range} zone={zone} />}
      <FilterBox onApply={(next) => setView({filter: next})} problem={problem} value={filter} />
      {data === undefined ? <p>Loading…</p> : (
        <div data-testid="charts" data-interval={data.intervalSeconds}>
          <Summary data={data} />
          <p class="hint">{data.starts.length} buckets of {data.intervalSeconds} s</p>
          <Chart
            series={Object.entries(data.statusClasses).filter(([, values]) => values.some(Boolean)).map(([label, values]) => ({colour: CLASS_COLOURS[label], label, values}))}
            starts={data.starts} timeZone={timeZone} title="Router requests by status class" unit="requests"
          />
          <Chart
            series={[{colour: colour(0), label: 'p50', values: data.serviceP50}, {colour: colour(4), label: 'p99', values: data.serviceP99}]}
            starts={data.starts} timeZone={timeZone} title="Service time" unit="ms"
          />
          <Chart
            series={Object.entries(data.errorCodes).map(([label, values], i) => ({colour: colour(i + 3), label, values}))}
            starts={data.starts} timeZone={timeZone} title="Error codes" unit="count"
          />
          <Chart
            series={Object.entries(data.memoryMB).map(([label, values], i) => ({colour: colour(i), label, values}))}
            starts={data.starts} timeZone={timeZone} title="Dyno memory" unit="MB"
          />
        </div>
      )}
    </section>
  )
}
