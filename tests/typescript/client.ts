// A client written the plain way, as a frontend developer would: the
// types generated from the served document, then each call's `data` used
// as the JSON it is. It must compile under `strict`.
import createClient from "openapi-fetch";
import type { paths } from "./schema";

const client = createClient<paths>({ baseUrl: "http://127.0.0.1:8080" });

export async function communeNames(district: string): Promise<string[]> {
  const { data, error } = await client.GET("/api/v1/associations", {
    params: { query: { parent_id: district, level: "commune" } },
  });
  if (error) throw new Error(error.detail);
  return data.items.map((association) => association.name);
}

export async function schools(commune: string): Promise<number> {
  const { data } = await client.GET("/api/v1/units", {
    params: { query: { association_id: commune, kind: "school" } },
  });
  return data?.items.length ?? 0;
}

export async function membership(province: string): Promise<number | null | undefined> {
  const { data } = await client.GET("/api/v1/reports/membership", {
    params: { query: { association_id: province, year: 2020 } },
  });
  return data?.total.figures.membership_ratio;
}

export async function workbook(province: string): Promise<Blob | undefined> {
  const { data } = await client.GET("/api/v1/reports/membership/file", {
    params: { query: { association_id: province, year: 2020 } },
    parseAs: "blob",
  });
  return data;
}
