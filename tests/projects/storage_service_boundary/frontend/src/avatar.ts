export async function saveAvatar(canvas: HTMLCanvasElement, userId: number): Promise<void> {
  await fetch(`/api/users/${userId}`, {
    method: "PUT",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ avatar_data_url: canvas.toDataURL("image/png") }),
  });
}
