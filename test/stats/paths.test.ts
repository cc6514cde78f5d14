import assert from 'node:assert/strict'

import {normalizePath} from '../../src/stats/paths.js'

describe('normalizePath', () => {
  const rows: Array<[string, string]> = [
    ['/', '/'],
    ['/users/42', '/users/:id'],
    ['/users/43', '/users/:id'],
    ['/api/products/148/reviews', '/api/products/:id/reviews'],
    ['/api/orders?page=17', '/api/orders'],
    ['/api/orders/71452?expand=items#top', '/api/orders/:id'],
    ['/search#results', '/search'],
    ['/orders/7d6f8658-4e9f-4d76-ae8a-2b69d641abf5', '/orders/:id'],
    ['/orders/7D6F8658-4E9F-4D76-AE8A-2B69D641ABF5/items', '/orders/:id/items'],
    ['/commits/9cd38782ab', '/commits/:id'],
    ['/assets/app-ccc8ee8f.js', '/assets/app-:id.js'],
    ['/assets/app-60343868.js', '/assets/app-:id.js'],
    ['/assets/vendor.0f13270a1b.css', '/assets/vendor.:id.css'],
    ['/api/v2/users', '/api/v2/users'],
    ['/deadbeef', '/deadbeef'],
    ['/facade/cafe', '/facade/cafe'],
    ['/abc1234', '/abc1234'],
    ['/users/42/', '/users/:id/'],
    ['//double//42', '//double//:id'],
    ['https://app.herokuapp.com/users/42?x=1', '/users/:id'],
    ['http://app.herokuapp.com', '/'],
    ['/healthz', '/healthz'],
    ['', ''],
  ]
  for (const [path, route] of rows) {
    it(`${JSON.stringify(path)} → ${JSON.stringify(route)}`, () => assert.equal(normalizePath(path), route))
  }
})
