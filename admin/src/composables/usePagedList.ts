import { reactive, readonly, ref, shallowRef } from 'vue'

export interface Page<T> {
  items: T[]
  total: number
  page: number
  pageSize: number
}

/**
 * State of one paged table: rows, total, page, loading. `fetcher` reads the caller's filters itself, so
 * changing filters is `search()` (back to page 1) and paging is `load()`.
 */
export function usePagedList<T>(
  fetcher: (page: { page: number; pageSize: number }) => Promise<Page<T>>,
  pageSize = 20,
) {
  const items = shallowRef<T[]>([])
  const total = ref(0)
  const loading = ref(false)
  /** why the last load failed (cleared by the next success), for an error state instead of "no data" */
  const error = ref<string | null>(null)
  const paging = reactive({ page: 1, pageSize })
  let seq = 0

  async function load() {
    const mine = ++seq
    loading.value = true
    try {
      const res = await fetcher({ page: paging.page, pageSize: paging.pageSize })
      if (mine !== seq) return // a newer request superseded this one
      items.value = res.items
      total.value = res.total
      error.value = null
      // The last row of the last page was removed: step back to a page that has rows.
      if (!res.items.length && res.total && paging.page > 1) {
        paging.page = Math.ceil(res.total / paging.pageSize)
        return load()
      }
    } catch (e) {
      // the request client has already told the user; keep the previous rows
      if (mine === seq) error.value = e instanceof Error ? e.message : '加载失败'
    } finally {
      if (mine === seq) loading.value = false
    }
  }

  function search() {
    paging.page = 1
    return load()
  }

  function setPage(page: number) {
    paging.page = page
    return load()
  }

  function setPageSize(size: number) {
    paging.pageSize = size
    return search()
  }

  return { items, total, loading, error, paging: readonly(paging), load, search, setPage, setPageSize }
}

export type PagedList<T> = ReturnType<typeof usePagedList<T>>
