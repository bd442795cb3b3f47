from locust import HttpUser, task


class Shopper(HttpUser):
    @task
    def orders(self) -> None:
        self.client.get("/orders")
