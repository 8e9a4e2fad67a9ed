from django.core.management.base import BaseCommand

from report import demo
from reviews.jobs import jobs_wait_idle


class Command(BaseCommand):
    help = (
        "Create (or bring up to date) the demo review with alice (owner, lead), bob and carol (reviewers): "
        "imports, screening with relevance ranking, full texts, and coded studies with a synthesis."
    )

    def handle(self, *args, **options):
        review = demo.demo_setup()
        # Jobs the demo started on this process's job thread (the ranking's first trainings, without a
        # worker) finish before the command exits, which would cut them short.
        jobs_wait_idle(120)
        self.stdout.write(self.style.SUCCESS(f"Demo review “{review.title}” is ready at /r/{review.slug}/"))
        self.stdout.write(f"  {demo.demo_summary(review)}")
        self.stdout.write(f"Log in as alice, bob or carol with the password: {demo.DEMO_PASSWORD}")
