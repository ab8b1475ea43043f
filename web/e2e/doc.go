// Package e2e holds the headless-browser tests of the dashboard. They start
// the real stack in-process (the Agora sandbox, the agora client and the web
// server) and drive its pages in Chromium with chromedp. The package has no
// code outside its tests.
//
// The tests skip when no Chromium is installed, unless the environment
// variable CI is "true": then they fail. Likewise the accessibility scan
// needs axe-core from npm (npm ci). Screenshots of every page, at 1280 and
// 390 pixels, in English and Chinese, are written to the directory named by
// GROUPDESK_SCREENSHOTS, or else test-artifacts/screenshots/ at the root of
// the repository.
package e2e
