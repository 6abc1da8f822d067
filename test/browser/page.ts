/**
 * The browser entry of the end-to-end test: exposes the app (`app.ts`) on `window`, over `localStorage`, for
 * Playwright to call with `page.evaluate`.
 */
import { type AppOptions, type AppReport, runApp } from "./app.js"

/**
 * What a page's `runApp` takes: the app's options without the storage, which is the page's `localStorage`.
 */
export type PageAppOptions = Omit<AppOptions, "storage">

declare global {
  interface Window {
    runApp: (options: PageAppOptions) => Promise<AppReport>
  }
}

window.runApp = (options) => runApp({ ...options, storage: window.localStorage })
